import { DeliveryStatus } from '@app/database';
import { JobName, QueueName } from '@app/queue';
import { CampaignServices } from '../../../../test/helpers/campaign-services';
import {
  ConflictError,
  type DomainError,
  InvalidInputError,
  NotFoundError,
  UnprocessableError,
} from '../common/domain.errors';
import { jobIds } from './campaign.constants';

/**
 * CampaignService against the real database, Redis and an SMTP sink, without HTTP or workers: what an
 * editor does with a campaign, and what each step leaves in PostgreSQL and on the queues. The campaign's jobs
 * are run by the test (see CampaignServices).
 */
describe('CampaignService', () => {
  let s: CampaignServices;

  beforeAll(async () => {
    s = await CampaignServices.start();
  });
  afterAll(() => s?.stop());

  /** `p` is refused with this domain error: its class (the API's status), message and details. */
  async function expectRefused(
    p: Promise<unknown>,
    type: abstract new (...args: never[]) => DomainError,
    message: string | RegExp,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as DomainError).message).toMatch(message);
    if (typeof message === 'string') expect((err as DomainError).message).toBe(message);
    expect((err as DomainError).details).toEqual(details);
  }

  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
  const campaignJob = (id: string) => s.jobs.queue(QueueName.Campaign).getJob(id);

  /** A campaign sent to `n` fresh readers, all delivered. */
  async function completed(tag: string, n: number): Promise<number> {
    const id = await s.fannedOut(tag, n);
    await s.runDeliveryJobs(id);
    expect((await s.campaigns.get(id)).status).toBe('completed');
    return id;
  }

  it('sends now: the campaign runs, its edition is sending, the fan-out and a check are queued', async () => {
    await s.audience('now', 2);
    const editionId = await s.edition();
    const c = await s.campaigns.create(editionId);
    expect(c).toMatchObject({ editionId, status: 'running', total: 0, pending: 0, fannedOutAt: null });
    expect(c.startedAt).not.toBeNull();
    expect(await s.editionStatus(editionId)).toBe('sending');
    expect((await campaignJob(jobIds.fanOut(c.id)))?.data).toEqual({ campaignId: c.id });
    const checks = await s.jobs.queue(QueueName.Campaign).getJobs(['delayed']);
    expect(
      checks.some((j) => (j.name as JobName) === JobName.CheckCampaign && j.data.campaignId === c.id),
    ).toBe(true);

    await s.runner.fanOut(c.id);
    expect(await s.campaigns.get(c.id)).toMatchObject({ total: 2, queued: 2, pending: 2 });
  });

  it('schedules for later: the campaign and its edition are scheduled, the start job waits', async () => {
    const editionId = await s.edition();
    const when = inAnHour();
    const c = await s.campaigns.create(editionId, when);
    expect(c).toMatchObject({ status: 'scheduled', scheduledAt: when, startedAt: null });
    expect(await s.editionStatus(editionId)).toBe('scheduled');
    const start = await campaignJob(jobIds.start(c.id));
    expect(start?.opts.delay).toBeGreaterThan(0);
    expect(start?.opts.delay).toBeLessThanOrEqual(3600_000);
    // Run early (promoted by hand), the start job does not start it before its time.
    expect(await s.runner.start(c.id)).toBe(false);
    expect((await s.campaigns.get(c.id)).status).toBe('scheduled');
  });

  it('refuses what cannot be sent, with the same messages and fields the API answers', async () => {
    await expectRefused(s.campaigns.create(999999), NotFoundError, 'Edition 999999 does not exist');
    await expectRefused(s.campaigns.get(999999), NotFoundError, 'Campaign 999999 does not exist');

    const editionId = await s.edition();
    await expectRefused(
      s.campaigns.create(editionId, 'tomorrow'),
      InvalidInputError,
      'scheduledAt must be an ISO 8601 date-time',
    );
    await expectRefused(
      s.campaigns.create(editionId, '2020-01-01T00:00:00Z'),
      InvalidInputError,
      'scheduledAt is in the past; leave it out to send now',
    );

    const first = await s.campaigns.create(editionId, inAnHour());
    await expectRefused(
      s.campaigns.create(editionId),
      ConflictError,
      `Edition ${editionId} already has a campaign (${first.id}): one full send per edition`,
      { campaignId: first.id },
    );

    const sent = await s.edition();
    await s.world.query(`UPDATE edition SET status = 'sent' WHERE id = $1`, [sent]);
    await expectRefused(
      s.campaigns.create(sent),
      ConflictError,
      `Edition ${sent} is sent; only a draft can be sent`,
    );

    // An edition whose message cannot be built is refused before any campaign exists.
    const broken = await s.edition();
    await s.world.query(`UPDATE edition SET content = content - 'highlights' WHERE id = $1`, [broken]);
    await expectRefused(
      s.campaigns.create(broken),
      UnprocessableError,
      new RegExp(`^Edition ${broken} cannot be sent: .+`),
    );
    expect(await s.world.query(`SELECT id FROM campaign WHERE edition_id = $1`, [broken])).toEqual([]);
  });

  it('cancels a scheduled campaign: the start job goes, the edition is a draft again; twice is once', async () => {
    const editionId = await s.edition();
    const c = await s.campaigns.create(editionId, inAnHour());
    const cancelled = await s.campaigns.cancel(c.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await campaignJob(jobIds.start(c.id))).toBeUndefined();
    expect(await s.editionStatus(editionId)).toBe('draft');
    expect(await s.campaigns.cancel(c.id)).toEqual(cancelled);

    // Cancelled before anyone received it: the edition can be sent again, by the same campaign.
    const resent = await s.campaigns.create(editionId);
    expect(resent).toMatchObject({ id: c.id, status: 'running', finishedAt: null });

    const done = await completed('cancel-done', 1);
    await expectRefused(
      s.campaigns.cancel(done),
      ConflictError,
      'Cannot cancel a campaign that is completed',
    );
  });

  it('pauses and resumes: every queued delivery gets a job again; each twice is once', async () => {
    const id = await s.fannedOut('pause', 3);
    const paused = await s.campaigns.pause(id, 'maintenance window');
    expect(paused).toMatchObject({ status: 'paused', pauseReason: 'maintenance window' });
    expect(await s.campaigns.pause(id)).toEqual(paused);

    // The fan-out's jobs are gone (they ran while paused and stopped); the resume queues every delivery.
    for (const job of await s.deliveryJobs(id)) await job.remove();
    const resumed = await s.campaigns.resume(id);
    expect(resumed).toMatchObject({ status: 'running', pauseReason: null, consecutiveFailures: 0 });
    expect(await s.campaigns.resume(id)).toMatchObject({ status: 'running' });
    const jobs = await s.deliveryJobs(id);
    expect(jobs.every((j) => j.id?.startsWith(`c${id}-p`))).toBe(true);
    const queued = [...(await s.ledger(id)).values()].map((d) => d.id);
    expect(jobs.flatMap((j) => j.data.deliveryIds).sort((a, b) => a - b)).toEqual(queued);

    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', sent: 3 });
    await expectRefused(s.campaigns.pause(id), ConflictError, 'Cannot pause a campaign that is completed');
    await expectRefused(s.campaigns.resume(id), ConflictError, 'Cannot resume a campaign that is completed');
  });

  it('sends to the missed: new subscribers and failed deliveries, never a second copy', async () => {
    const id = await s.fannedOut('missed', 3);
    // missed-3's attempts ran out earlier; the others are sent.
    await s.world.query(
      `UPDATE delivery SET status = 'failed', attempts = 5, last_response = '451 try later'
        WHERE campaign_id = $1 AND subscriber_id = (SELECT id FROM subscriber WHERE email = 'missed-3@example.test')`,
      [id],
    );
    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', sent: 2, failed: 1 });
    await s.world.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       VALUES ('missed-late@example.test', 'confirmed', now(), 'test', now())`,
    );

    const r = await s.campaigns.sendMissed(id);
    expect(r).toMatchObject({ added: 1, requeued: 1, campaign: { status: 'running', total: 4, queued: 2 } });
    expect((await s.deliveryJobs(id)).every((j) => j.id?.startsWith(`c${id}-m`))).toBe(true);
    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', sent: 4, failed: 0 });
    for (const who of ['missed-1', 'missed-2', 'missed-3', 'missed-late']) {
      expect(s.received(`${who}@example.test`)).toBe(1);
    }
    // Nobody left to send to: nothing changes.
    expect(await s.campaigns.sendMissed(id)).toMatchObject({ added: 0, requeued: 0 });

    const scheduled = await s.campaigns.create(await s.edition(), inAnHour());
    await expectRefused(
      s.campaigns.sendMissed(scheduled.id),
      ConflictError,
      'Cannot send to missed subscribers of a campaign that is scheduled',
    );
    const writing = await s.campaigns.create(await s.edition());
    await expectRefused(
      s.campaigns.sendMissed(writing.id),
      ConflictError,
      'The campaign is still writing its recipient list; try again when it is done',
    );
  });

  it('pages through the per-recipient log by delivery id, by status and by address', async () => {
    await s.audience('log', 5);
    await s.world.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       VALUES ('odd_one@example.test', 'confirmed', now(), 'test', now())`,
    );
    const c = await s.campaigns.create(await s.edition());
    await s.fanOut(c.id);

    const seen: number[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await s.campaigns.deliveries(c.id, { limit: 2, cursor });
      sizes.push(page.items.length);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 2]);
    expect(seen).toEqual([...(await s.ledger(c.id)).values()].map((d) => d.id));

    const [first] = (await s.campaigns.deliveries(c.id, { limit: 1 })).items;
    expect(first).toMatchObject({
      email: 'log-1@example.test',
      status: 'queued',
      attempts: 0,
      sentAt: null,
      messageId: null,
    });
    await s.world.query(`UPDATE delivery SET status = 'failed' WHERE id = $1`, [first!.id]);
    expect(
      (await s.campaigns.deliveries(c.id, { status: DeliveryStatus.Failed })).items.map((d) => d.id),
    ).toEqual([first!.id]);
    // A case-insensitive substring; `_` and `%` are taken literally.
    const emails = async (email: string) =>
      (await s.campaigns.deliveries(c.id, { email })).items.map((d) => d.email);
    expect(await emails('LOG-3')).toEqual(['log-3@example.test']);
    expect(await emails('_')).toEqual(['odd_one@example.test']);
    expect(await emails('%')).toEqual([]);

    await expectRefused(
      s.campaigns.deliveries(c.id, { cursor: 'abc' }),
      InvalidInputError,
      'cursor is invalid: a cursor must be the nextCursor of the previous page',
    );
    await expectRefused(s.campaigns.deliveries(999999), NotFoundError, 'Campaign 999999 does not exist');
  });

  it('lists campaigns newest first, a page at a time, with their counts', async () => {
    const older = await completed('list-a', 2);
    const newer = await s.campaigns.create(await s.edition(), inAnHour());
    const page = await s.campaigns.list({ limit: 1 });
    expect(page.items.map((c) => c.id)).toEqual([newer.id]);
    const next = await s.campaigns.list({ limit: 1, cursor: page.nextCursor! });
    expect(next.items[0]).toMatchObject({ id: older, status: 'completed', total: 2, sent: 2 });
  });
});
