import { CampaignServices } from '../../../../../test/helpers/campaign-services';

/**
 * DeliveryService against the real database, Redis and an SMTP sink, without workers: each test runs the
 * campaign's jobs itself (fan-out, then its DeliverBatch jobs), so it decides what runs, and in which order.
 */
describe('DeliveryService', () => {
  let s: CampaignServices;

  beforeAll(async () => {
    // A minute's backoff: a retry is due well after the test looks at it (the test runs it itself).
    s = await CampaignServices.start({
      SEND_MAX_ATTEMPTS: '2',
      SEND_MAX_CONSECUTIVE_FAILURES: '3',
      SEND_BACKOFF_MS: '60000',
    });
  });
  afterAll(() => s?.stop());
  afterEach(() => {
    s.world.smtp.policy = undefined;
  });

  it('sends each claimed delivery once, records it as sent and completes the campaign', async () => {
    const id = await s.fannedOut('once', 5);
    const results = await s.runDeliveryJobs(id);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(5);
    const ledger = await s.ledger(id);
    expect([...ledger.values()].map((d) => [d.status, d.attempts])).toEqual(Array(5).fill(['sent', 1]));
    for (const [email, d] of ledger) {
      expect(s.received(email)).toBe(1);
      expect(d.message_id).toMatch(new RegExp(`^<c${id}\\.d${d.id}\\.[0-9a-f]{8}@example\\.test>$`));
    }
    const c = await s.campaigns.get(id);
    expect(c).toMatchObject({ status: 'completed', sent: 5, pending: 0, total: 5 });
    expect(await s.editionStatus(c.editionId)).toBe('sent');
  });

  it('does nothing when a batch runs again (a duplicate or re-delivered job)', async () => {
    const id = await s.fannedOut('twice', 3);
    const [job] = await s.deliveryJobs(id);
    await s.runDeliveryJobs(id);
    const again = await s.sender.deliverBatch(id, job!.data.deliveryIds);
    expect(again).toMatchObject({ claimed: 0, sent: 0 });
    for (const email of (await s.ledger(id)).keys()) expect(s.received(email)).toBe(1);
  });

  it('retries a 4xx answer after the backoff, and gives up after SEND_MAX_ATTEMPTS', async () => {
    const id = await s.fannedOut('busy', 3);
    s.world.smtp.policy = (rcpt) =>
      rcpt.startsWith('busy-1@') || rcpt.startsWith('busy-2@')
        ? { code: 451, message: 'try again later' }
        : undefined;
    const [first] = await s.runDeliveryJobs(id);
    expect(first).toMatchObject({ sent: 1, retrying: 2, failed: 0 });
    let ledger = await s.ledger(id);
    const busy = ledger.get('busy-1@example.test')!;
    expect(busy).toMatchObject({ status: 'queued', attempts: 1 });
    expect(busy.last_response).toMatch(/451/);
    // Due after SEND_BACKOFF_MS (a minute), on retry jobs delayed as long (outcomes are written as the
    // replies come in, so the two retries may be on one job or two).
    expect(busy.due_in_ms).toBeGreaterThan(0);
    expect(busy.due_in_ms).toBeLessThanOrEqual(60000);
    const retries = await s.deliveryJobs(id, ['delayed']);
    expect(new Set(retries.map((j) => j.opts.delay))).toEqual(new Set([60000]));
    const retryIds = retries.flatMap((j) => j.data.deliveryIds).sort((a, b) => a - b);
    expect(retryIds).toEqual([busy.id, ledger.get('busy-2@example.test')!.id]);

    // The retry: busy-2 is accepted now, busy-1 still refused and, at its second attempt, given up.
    s.world.smtp.policy = (rcpt) =>
      rcpt.startsWith('busy-1@') ? { code: 451, message: 'try again later' } : undefined;
    const retried = await s.sender.deliverBatch(id, retryIds);
    expect(retried).toMatchObject({ sent: 1, retrying: 0, failed: 1 });
    ledger = await s.ledger(id);
    expect(ledger.get('busy-2@example.test')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(ledger.get('busy-1@example.test')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(ledger.get('busy-1@example.test')!.last_response).toMatch(/^gave up after 2 attempts: .*451/);
    expect(s.received('busy-2@example.test')).toBe(1);
    expect((await s.campaigns.get(id)).status).toBe('completed');
  });

  it('bounces a 5xx answer: the delivery and the subscriber', async () => {
    const id = await s.fannedOut('reject', 3);
    s.world.smtp.policy = (rcpt) =>
      rcpt.startsWith('reject-2@') ? { code: 550, message: 'no such mailbox' } : undefined;
    const [result] = await s.runDeliveryJobs(id);
    expect(result).toMatchObject({ sent: 2, bounced: 1, retrying: 0 });
    expect((await s.ledger(id)).get('reject-2@example.test')).toMatchObject({
      status: 'bounced',
      attempts: 1,
    });
    const [sub] = await s.world.query<{ status: string; events: string[] }>(
      `SELECT s.status, array(SELECT type FROM subscriber_event e WHERE e.subscriber_id = s.id ORDER BY e.id) AS events
         FROM subscriber s WHERE s.email = 'reject-2@example.test'`,
    );
    expect(sub).toEqual({ status: 'bounced', events: ['bounced'] });
    expect(s.received('reject-2@example.test')).toBe(0);
  });

  it('skips a subscriber who unsubscribed after the fan-out', async () => {
    const id = await s.fannedOut('gone', 3);
    await s.world.query(
      `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now() WHERE email = 'gone-3@example.test'`,
    );
    const [result] = await s.runDeliveryJobs(id);
    expect(result).toMatchObject({ claimed: 3, sent: 2, skipped: 1 });
    expect((await s.ledger(id)).get('gone-3@example.test')).toMatchObject({
      status: 'skipped',
      attempts: 0,
      last_response: 'skipped: subscriber is unsubscribed at send time',
    });
    expect(s.received('gone-3@example.test')).toBe(0);
  });

  it('sends nothing while the campaign is paused, and everything after the resume', async () => {
    const id = await s.fannedOut('hold', 3);
    await s.campaigns.pause(id);
    const [result] = await s.runDeliveryJobs(id);
    expect(result).toMatchObject({ claimed: 0, sent: 0, stoppedBecause: 'campaign is paused' });
    expect([...(await s.ledger(id)).values()].every((d) => d.status === 'queued')).toBe(true);

    await s.campaigns.resume(id);
    const after = await s.runDeliveryJobs(id);
    expect(after.reduce((n, r) => n + r.sent, 0)).toBe(3);
    for (const email of (await s.ledger(id)).keys()) expect(s.received(email)).toBe(1);
  });

  it('pauses the campaign after SEND_MAX_CONSECUTIVE_FAILURES failed sends in a row', async () => {
    const id = await s.fannedOut('down', 4);
    s.world.smtp.policy = () => ({ code: 452, message: 'mailbox full' });
    const [result] = await s.runDeliveryJobs(id);
    expect(result).toMatchObject({ stoppedBecause: 'campaign paused after consecutive failures' });
    const c = await s.campaigns.get(id);
    expect(c).toMatchObject({ status: 'paused', consecutiveFailures: 4 });
    expect(c.pauseReason).toMatch(
      /^Paused automatically after 4 consecutive failed sends .*452 mailbox full/,
    );
  });

  it('sends again a delivery a dead worker left in sending, with the same Message-ID', async () => {
    const id = await s.fannedOut('crash', 2);
    const [job] = await s.deliveryJobs(id);
    const [left] = await s.world.query<{ id: number }>(
      `UPDATE delivery SET status = 'sending', attempts = 1, claimed_by = 'dead-worker', claimed_at = now(),
              message_id = '<c' || campaign_id || '.d' || id || '.deadbeef@example.test>'
        WHERE id = (SELECT min(id) FROM delivery WHERE campaign_id = $1) RETURNING id`,
      [id],
    );
    const result = await s.sender.deliverBatch(id, job!.data.deliveryIds);
    expect(result).toMatchObject({ claimed: 2, sent: 2 });
    const row = [...(await s.ledger(id)).values()].find((d) => d.id === left!.id)!;
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 2,
      message_id: `<c${id}.d${left!.id}.deadbeef@example.test>`,
    });
    expect(row.last_response).toMatch(/^250 /);
  });
});
