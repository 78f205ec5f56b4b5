import { JobName, JobQueue, QueueName } from '@app/queue';
import type { Job, Queue } from 'bullmq';
import request from 'supertest';
import { createEdition } from './campaign.fixtures';
import { consoleLogin, type ConsoleSession } from './helpers/console-session';
import { Harness } from './helpers/harness';

/**
 * Issue 11 item 1: the queue board is read-only for ops; admins may retry, promote, remove finished jobs and
 * pause, but nobody adds a job or edits one through it; and a job put straight into Redis is checked by the
 * worker like any other input.
 */
describe('Bull Board permissions and job payload validation', () => {
  let h: Harness;
  let ops: ConsoleSession;
  let mail: Queue;
  let editionId: number;

  beforeAll(async () => {
    h = await Harness.start({ inProcessWorker: true, env: { TRUST_PROXY: 'true' } });
    ops = await consoleLogin(h, 'ops');
    mail = h.app.get(JobQueue).queue(QueueName.Mail);
    editionId = await createEdition(h, '2025-04');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const board = (method: 'get' | 'post' | 'put' | 'patch', path: string) =>
    request(h.baseUrl)[method](`/admin/queues${path}`);
  const asOps = (method: 'get' | 'post' | 'put' | 'patch', path: string) =>
    board(method, path).set('Cookie', ops.cookie).set('Sec-Fetch-Site', 'same-origin');
  const asAdmin = (method: 'get' | 'post' | 'put' | 'patch', path: string) =>
    board(method, path).auth(h.adminToken, { type: 'bearer' });

  const forged = (n: number) => ({
    editionId,
    to: [...Array.from({ length: n }, (_, i) => `x${i}@example.net`), 'x1@example.net, x2@example.net'],
  });
  const addBody = { name: JobName.SendTest, data: forged(200), options: {} };

  /** A job that failed for good in the real worker (its payload is refused), to retry and remove. */
  async function failedJob(): Promise<Job> {
    const job = await mail.add(JobName.SendTest, { editionId, to: [] });
    return h.waitUntil(
      async () => {
        const j = await mail.getJob(job.id!);
        return (await j?.isFailed()) ? j : undefined;
      },
      { what: 'the malformed job to fail' },
    );
  }

  async function jobCount(): Promise<number> {
    const c = await mail.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  describe('as ops', () => {
    it('sees the queues, read-only', async () => {
      const page = await asOps('get', '').set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>Newsletter queues</title>');
      const queues = await asOps('get', '/api/queues');
      expect(queues.status).toBe(200);
      // every queue of the service (mail, campaign, delivery and, since issue 13, inbound)
      expect(queues.body.queues).toHaveLength(Object.values(QueueName).length);
      for (const q of queues.body.queues as { readOnlyMode: boolean; allowRetries: boolean }[]) {
        expect(q).toMatchObject({ readOnlyMode: true, allowRetries: false });
      }
      const job = await failedJob();
      const one = await asOps('get', `/api/queues/mail/${job.id}`);
      expect(one.status).toBe(200);
      expect(one.body.job.id).toBe(job.id);
    });

    it('cannot add a job: POST /admin/queues/api/queues/mail/add is refused and nothing is queued', async () => {
      const before = await jobCount();
      const sent = h.smtp.messages.length;
      const res = await asOps('post', '/api/queues/mail/add').send(addBody);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/read-only for your role \(ops\)/);
      expect(await jobCount()).toBe(before);
      // another queue, and the same-origin proof by Origin instead of Sec-Fetch-Site
      const viaOrigin = await board('post', '/api/queues/campaign/add')
        .set('Cookie', ops.cookie)
        .set('Origin', h.baseUrl)
        .send({ name: JobName.StartCampaign, data: { campaignId: 1 } });
      expect(viaOrigin.status).toBe(403);
      await new Promise((r) => setTimeout(r, 300));
      expect(h.smtp.messages.length).toBe(sent);
    });

    it('cannot retry, clean, promote, pause, empty, obliterate or edit', async () => {
      const job = await failedJob();
      const attempts = [
        asOps('put', `/api/queues/mail/${job.id}/retry`),
        asOps('put', '/api/queues/mail/retry/failed'),
        asOps('put', `/api/queues/mail/${job.id}/clean`),
        asOps('put', '/api/queues/mail/clean/failed'),
        asOps('put', '/api/queues/mail/clean/completed'),
        asOps('put', '/api/queues/mail/promote'),
        asOps('put', '/api/queues/mail/pause'),
        asOps('put', '/api/queues/pause'),
        asOps('put', '/api/queues/mail/empty'),
        asOps('put', '/api/queues/mail/obliterate'),
        asOps('patch', `/api/queues/mail/${job.id}/update-data`).send({ data: forged(3) }),
      ];
      for (const [i, res] of (await Promise.all(attempts)).entries()) {
        expect({ i, status: res.status }).toEqual({ i, status: 403 });
      }
      expect(await mail.isPaused()).toBe(false);
      const after = await mail.getJob(job.id!);
      expect(await after?.isFailed()).toBe(true);
      expect(after?.data).toEqual({ editionId, to: [] });
    });
  });

  describe('as admin', () => {
    it('has the actions in the UI', async () => {
      const queues = await asAdmin('get', '/api/queues');
      expect(queues.status).toBe(200);
      for (const q of queues.body.queues as { readOnlyMode: boolean; allowRetries: boolean }[]) {
        expect(q).toMatchObject({ readOnlyMode: false, allowRetries: true });
      }
    });

    it('can retry, pause, resume and remove finished jobs', async () => {
      const job = await failedJob();
      // paused, so the retried job waits instead of failing again at once
      expect((await asAdmin('put', '/api/queues/mail/pause')).status).toBe(200);
      expect(await mail.isPaused()).toBe(true);
      try {
        const retried = await asAdmin('put', `/api/queues/mail/${job.id}/retry`);
        expect(retried.status).toBe(204);
        expect(await (await mail.getJob(job.id!))?.getState()).toBe('waiting');
      } finally {
        expect((await asAdmin('put', '/api/queues/mail/resume')).status).toBe(200);
      }
      await h.waitUntil(async () => (await mail.getJob(job.id!))?.isFailed(), {
        what: 'the retried job to run (and fail) again',
      });
      expect((await asAdmin('put', '/api/queues/mail/retry/failed')).status).toBe(200);
      expect((await asAdmin('put', '/api/queues/mail/clean/failed')).status).toBe(200);
      expect((await asAdmin('put', '/api/queues/mail/clean/completed')).status).toBe(200);
    });

    it('cannot add a job, edit its data, or empty or obliterate a queue', async () => {
      const job = await failedJob();
      const before = await jobCount();
      const sent = h.smtp.messages.length;
      const refused = [
        asAdmin('post', '/api/queues/mail/add').send(addBody),
        asAdmin('post', '/api/queues/mail/ADD').send(addBody),
        asAdmin('post', '/api/queues/mail/add/').send(addBody),
        asAdmin('post', '/api/queues/campaign/add').send({
          name: JobName.StartCampaign,
          data: { campaignId: 1 },
        }),
        asAdmin('patch', `/api/queues/mail/${job.id}/update-data`).send({ data: forged(200) }),
        asAdmin('patch', `/api/queues/mail/${job.id}/delay`).send({ delay: 1 }),
        asAdmin('patch', `/api/queues/mail/${job.id}/priority`).send({ priority: 1 }),
        asAdmin('put', '/api/queues/mail/empty'),
        asAdmin('put', '/api/queues/mail/obliterate'),
        asAdmin('put', '/api/queues/mail/concurrency').send({ concurrency: 1000 }),
        asAdmin('put', '/api/queues/mail/clean/wait'),
        asAdmin('put', '/api/queues/mail/clean/delayed'),
        // a "job id" spelled like a route word would reach another route than it looks like
        asAdmin('put', '/api/queues/mail/clean/retry'),
        asAdmin('put', '/api/queues/mail/CLEAN/clean'),
      ];
      for (const [i, res] of (await Promise.all(refused)).entries()) {
        expect({ i, status: res.status }).toEqual({ i, status: 403 });
        expect(res.body.message).toMatch(/not available on the board/);
      }
      expect(await jobCount()).toBe(before);
      expect((await mail.getJob(job.id!))?.data).toEqual({ editionId, to: [] });
      await new Promise((r) => setTimeout(r, 300));
      expect(h.smtp.messages.length).toBe(sent);
    });
  });

  describe('a job written straight into Redis', () => {
    it('is checked by the worker: 200 addresses, or several in one string, send nothing and fail for good', async () => {
      const sent = h.smtp.messages.length;
      const many = await mail.add(JobName.SendTest, forged(200));
      const joined = await mail.add(JobName.SendTest, {
        editionId,
        to: ['x1@example.net, x2@example.net'],
      });
      const notAnAddress = await mail.add(JobName.SendTest, { editionId, to: ['x1@localhost'] });
      for (const job of [many, joined, notAnAddress]) {
        const failed = await h.waitUntil(
          async () => {
            const j = await mail.getJob(job.id!);
            return (await j?.isFailed()) ? j : undefined;
          },
          { what: `job ${job.id} to fail` },
        );
        // UnrecoverableError: one attempt, no retry scheduled (the queue's default is 5 attempts)
        expect(failed.attemptsMade).toBe(1);
        expect(failed.failedReason).toMatch(/^invalid send-test payload: to/);
      }
      // a well-formed job on the same path does send, so "nothing" above is the check, not a broken path
      await mail.add(JobName.SendTest, { editionId, to: ['editor@example.net'] });
      await h.smtp.waitFor(sent + 1);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.smtp.messages.slice(sent).map((m) => m.envelopeTo)).toEqual([['editor@example.net']]);
    });
  });
});
