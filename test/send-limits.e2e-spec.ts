import { JobQueue, QueueName } from '@app/queue';
import { Redis } from 'ioredis';
import request from 'supertest';
import { TEST_SEND_RECIPIENTS_PER_WINDOW } from '../apps/api/src/admin/editions/test-send-throttle';
import { createEdition } from './campaign.fixtures';
import { consoleLogin, type ConsoleSession } from './helpers/console-session';
import { Harness } from './helpers/harness';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 11 item 5: test sends are limited per user (counted in recipients), and every message — test sends,
 * confirmations from sign-ups and from opt-in imports — waits for the global send-rate limiter.
 */
describe('mail limits: per-user test sends, and the global send rate for all mail', () => {
  describe('test sends per user', () => {
    let h: Harness;
    let editor: ConsoleSession;
    let editionId: number;

    beforeAll(async () => {
      h = await Harness.start({ inProcessWorker: true, env: { TRUST_PROXY: 'true' } });
      editor = await consoleLogin(h, 'editor');
      editionId = await createEdition(h, '2025-04');
    });
    afterAll(async () => {
      await h?.stop();
    });

    const to = (batch: number) => Array.from({ length: 10 }, (_, i) => `t${batch}-${i}@example.net`);

    it('30 requests of 10 recipients by one editor: those past 20 recipients a minute get 429, and no more leave', async () => {
      const statuses: number[] = [];
      let refusal: request.Response | undefined;
      for (let i = 0; i < 30; i++) {
        const res = await request(h.baseUrl)
          .post(`/api/admin/editions/${editionId}/test`)
          .set('Cookie', editor.cookie)
          .set('X-CSRF-Token', editor.csrf)
          .send({ to: to(i) });
        statuses.push(res.status);
        if (res.status === 429) refusal ??= res;
      }
      const allowed = TEST_SEND_RECIPIENTS_PER_WINDOW / 10;
      expect(statuses).toEqual([
        ...Array<number>(allowed).fill(202),
        ...Array<number>(30 - allowed).fill(429),
      ]);
      expect(Number(refusal!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refusal!.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refusal!.body.message).toMatch(/^Too many test sends: at most 20 recipients a minute per user/);

      // the console's form for the same editor is refused as well, with the reason on the page
      const page = await request(h.baseUrl)
        .post(`/admin/editions/${editionId}/test`)
        .set('Cookie', editor.cookie)
        .type('form')
        .send({ _csrf: editor.csrf, to: 'console@example.net' });
      expect(page.status).toBe(429);
      expect(Number(page.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(page.text).toContain('Too many test sends: at most 20 recipients a minute per user');

      await h.smtp.waitFor(TEST_SEND_RECIPIENTS_PER_WINDOW);
      await settle(1000);
      expect(h.smtp.messages.length).toBe(TEST_SEND_RECIPIENTS_PER_WINDOW);
      expect(h.smtp.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([...to(0), ...to(1)].sort());
    });

    it('is per user: another editor still sends', async () => {
      const other = await consoleLogin(h, 'editor');
      const res = await request(h.baseUrl)
        .post(`/admin/editions/${editionId}/test`)
        .set('Cookie', other.cookie)
        .type('form')
        .send({ _csrf: other.csrf, to: 'other-editor@example.net' });
      expect(res.status).toBe(303);
      await h.smtp.waitFor(TEST_SEND_RECIPIENTS_PER_WINDOW + 1);
    });

    it('refuses a long malformed address in the console form at once (the check does not backtrack)', async () => {
      const someone = await consoleLogin(h, 'editor');
      const testTo = (to: string) =>
        request(h.baseUrl)
          .post(`/admin/editions/${editionId}/test`)
          .set('Cookie', someone.cookie)
          .type('form')
          .send({ _csrf: someone.csrf, to });
      const res = await testTo(`a@${'.'.repeat(3_900)}<`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('Not a valid email address');
      // a field longer than any ten addresses is refused by the form's DTO before any address is looked at
      const huge = await testTo(`a@${'.'.repeat(300_000)}<`);
      expect(huge.status).toBe(400);
      expect(huge.text).toContain('The addresses must be at most 4000 characters');
    });
  });

  describe('the global send rate', () => {
    let h: Harness;
    let redis: Redis;

    beforeAll(async () => {
      // A generous per-second rate and a cap of 3 an hour: whatever is past the cap waits, nothing is timed.
      h = await Harness.start({
        inProcessWorker: true,
        env: { SEND_RATE_PER_SECOND: '1000', SEND_RATE_PER_HOUR: '3' },
      });
      redis = new Redis(h.redisUrl);
    });
    afterAll(async () => {
      redis?.disconnect();
      await h?.stop();
    });

    /** The limiter's counter for the current clock hour (Redis's clock, as the limiter's script uses). */
    async function hourKey(): Promise<{ key: string; msLeft: number }> {
      const [s, us] = await redis.time();
      const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
      return {
        key: `${h.prefix}:send-rate:hour:${Math.floor(now / 3_600_000)}`,
        msLeft: 3_600_000 - (now % 3_600_000),
      };
    }

    it('holds confirmations (sign-ups and opt-in imports) and test sends past SEND_RATE_PER_HOUR', async () => {
      // The cap is per clock hour: do not start a few seconds before the hour turns (the count would reset).
      const { msLeft } = await hourKey();
      if (msLeft < 60_000) await settle(msLeft + 1000);
      const { key } = await hourKey();

      for (const email of ['s1@example.net', 's2@example.net', 's3@example.net']) {
        expect((await request(h.baseUrl).post('/api/subscriptions').send({ email })).status).toBeLessThan(
          300,
        );
      }
      const imported = await request(h.baseUrl)
        .post('/api/admin/subscribers/import?sendOptIn=true')
        .auth(h.adminToken, { type: 'bearer' })
        .set('Content-Type', 'text/csv')
        .send('email\ni1@example.net\ni2@example.net\ni3@example.net\n');
      expect(imported.status).toBe(200);
      expect(imported.body.optInQueued).toBe(3);
      const editionId = await createEdition(h, '2025-04');
      const test = await request(h.baseUrl)
        .post(`/api/admin/editions/${editionId}/test`)
        .auth(h.adminToken, { type: 'bearer' })
        .send({ to: ['t1@example.net', 't2@example.net'] });
      expect(test.status).toBe(202);
      const wanted = 8;

      await h.smtp.waitFor(3);
      await settle(3000);
      // Three left; the others wait for the limiter, in their jobs (not failed, not dropped).
      expect(h.smtp.messages.length).toBe(3);
      expect(await redis.get(key)).toBe('3');
      const mail = h.app.get(JobQueue).queue(QueueName.Mail);
      const counts = await mail.getJobCounts('active', 'wait', 'completed', 'failed', 'delayed');
      expect(counts.failed).toBe(0);
      expect((counts.active ?? 0) + (counts.wait ?? 0) + (counts.delayed ?? 0)).toBeGreaterThan(0);

      // The hour's allowance grows (as if the hour turned): the waiting mail goes out, each message once.
      await redis.set(key, String(3 - wanted));
      await h.smtp.waitFor(wanted);
      await settle(1000);
      const recipients = h.smtp.messages.map((m) => m.envelopeTo[0]).sort();
      expect(recipients).toEqual(
        [
          's1@example.net',
          's2@example.net',
          's3@example.net',
          'i1@example.net',
          'i2@example.net',
          'i3@example.net',
          't1@example.net',
          't2@example.net',
        ].sort(),
      );
      expect(await redis.get(key)).toBe('0');
    });
  });
});
