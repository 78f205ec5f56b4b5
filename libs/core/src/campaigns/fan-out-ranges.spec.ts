import { CampaignServices } from '../../../../test/helpers/campaign-services';
import { DeliveryRepository } from './delivery.repository';

/**
 * Fan-out as ranges (issue 16), against the real database, Redis and an SMTP sink, without workers: each test
 * runs the campaign's jobs itself (the fan-out, its FanOutRange jobs, their DeliverBatch jobs), so it decides
 * what runs when, and can leave a range half done the way a killed worker does.
 */
describe('campaign fan-out as ranges', () => {
  let s: CampaignServices;
  let ledger: DeliveryRepository;

  beforeAll(async () => {
    // Two readers per batch, so four per range: a handful of readers make several ranges.
    s = await CampaignServices.start({ SEND_BATCH_SIZE: '2' });
    ledger = s.world.get(DeliveryRepository);
  });
  afterAll(() => s?.stop());

  /** A campaign sent now to `n` fresh readers `<tag>-<i>`, its snapshot taken: its range jobs are waiting. */
  async function started(tag: string, n: number): Promise<number> {
    await s.audience(tag, n);
    const c = await s.campaigns.create(await s.edition());
    await s.runner.fanOut(c.id);
    return c.id;
  }

  async function ranges(campaignId: number) {
    return s.world.query<{ id: number; first: number; last: number; done: boolean }>(
      `SELECT id::int, first_subscriber_id AS first, last_subscriber_id AS last, done_at IS NOT NULL AS done
         FROM campaign_range WHERE campaign_id = $1 ORDER BY id`,
      [campaignId],
    );
  }

  const everyoneOnce = async (campaignId: number) => {
    for (const email of (await s.ledger(campaignId)).keys()) expect(s.received(email)).toBe(1);
  };

  it('starts by recording the snapshot and enqueueing one job per range, without writing the ledger', async () => {
    const id = await started('snap', 9);
    const [snap] = await s.world.query<{ total: number; max: number; at: Date | null; fanned: boolean }>(
      `SELECT total, snapshot_max_subscriber_id AS max, snapshot_at AS at, fanned_out_at IS NOT NULL AS fanned
         FROM campaign WHERE id = $1`,
      [id],
    );
    const [ids] = await s.world.query<{ lo: number; hi: number }>(
      `SELECT min(id) AS lo, max(id) AS hi FROM subscriber WHERE status = 'confirmed'`,
    );
    expect(snap).toMatchObject({ total: 9, max: ids!.hi, fanned: true });
    expect(snap!.at).not.toBeNull();
    // Four readers per range (SEND_BATCH_SIZE 2 × 2), covering the snapshot's ids without gaps.
    const rs = await ranges(id);
    expect(rs.map((r) => [r.first, r.last])).toEqual([
      [ids!.lo, ids!.lo + 3],
      [ids!.lo + 4, ids!.lo + 7],
      [ids!.lo + 8, ids!.lo + 8],
    ]);
    expect((await s.rangeJobs(id)).map((j) => [j.id, j.data]).sort()).toEqual(
      rs.map((r) => [`c${id}-r${r.id}`, { campaignId: id, rangeId: r.id }]).sort(),
    );
    expect((await s.ledger(id)).size).toBe(0);
    // The console counts the readers of open ranges as queued; the campaign is not complete while any is open.
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'running', total: 9, queued: 9, pending: 9 });

    // A second fan-out (a re-run job) changes nothing and enqueues nothing new.
    expect(await s.runner.fanOut(id)).toEqual({ ranges: 0 });
    await s.world.query(`UPDATE campaign SET fanned_out_at = NULL WHERE id = $1`, [id]);
    expect(await s.runner.fanOut(id)).toEqual({ ranges: 3 });
    expect(await ranges(id)).toEqual(rs);
    expect(await s.rangeJobs(id)).toHaveLength(3);

    expect(await s.runRangeJobs(id)).toBe(9);
    expect((await ranges(id)).every((r) => r.done)).toBe(true);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'running', total: 9, queued: 9 });
    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', total: 9, sent: 9, pending: 0 });
    await everyoneOnce(id);
  });

  it('a range job run twice sends once', async () => {
    const id = await started('twice', 4);
    const [range] = await ranges(id);
    expect(await s.runner.fanOutRange(id, range!.id)).toEqual({ written: 4 });
    // The same job again (a duplicate, a retry): the range is done, nothing is written or enqueued.
    expect(await s.runner.fanOutRange(id, range!.id)).toEqual({ written: 0 });
    expect(await s.deliveryJobs(id)).toHaveLength(2);
    await s.runDeliveryJobs(id);
    // Even with its range reopened (a job whose end was lost), a re-run finds every row written and none
    // queued: nothing to send.
    await s.world.query(`UPDATE campaign_range SET done_at = NULL WHERE id = $1`, [range!.id]);
    expect((await s.campaigns.get(id)).status).toBe('completed');
    expect(await s.runner.fanOutRange(id, range!.id)).toEqual({ written: 0 });
    expect(await s.deliveryJobs(id)).toHaveLength(0);
    expect((await s.ledger(id)).size).toBe(4);
    await everyoneOnce(id);
  });

  it('resumes a range whose worker was killed after writing its rows', async () => {
    const id = await started('killed', 4);
    const [range] = await ranges(id);
    // What a worker killed between the insert and the enqueue leaves: rows written, no DeliverBatch job,
    // the range still open (so the campaign cannot complete), its job back on the queue as stalled.
    expect(await ledger.writeRange(id, range!.id)).toHaveLength(4);
    expect(await s.deliveryJobs(id)).toHaveLength(0);
    await s.runner.check(id);
    expect((await s.campaigns.get(id)).status).toBe('running');

    // The stalled job runs again: the rows written before the kill are enqueued and sent, once.
    expect(await s.runRangeJobs(id)).toBe(4);
    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', total: 4, sent: 4 });
    await everyoneOnce(id);
  });

  it('re-creates range jobs that Redis lost, and the campaign completes', async () => {
    const id = await started('lost', 6);
    const [first] = await ranges(id);
    await s.runner.fanOutRange(id, first!.id);
    // A Redis flush: every job of the campaign is gone. The next check looks once no range moved for a while.
    for (const job of await s.rangeJobs(id)) await job.remove();
    for (const job of await s.deliveryJobs(id)) await job.remove();
    await s.runner.check(id);
    expect(await s.rangeJobs(id)).toHaveLength(0);
    await s.world.query(
      `UPDATE campaign_range SET done_at = done_at - interval '1 minute' WHERE campaign_id = $1 AND done_at IS NOT NULL`,
      [id],
    );
    // The range written above stamped the campaign as progressing: nothing is scanned for orphans while it
    // is recent.
    expect(await s.runner.check(id).then(() => s.deliveryJobs(id))).toHaveLength(0);
    await s.world.query(
      `UPDATE campaign SET fanned_out_at = fanned_out_at - interval '1 minute',
                           progressed_at = progressed_at - interval '1 minute' WHERE id = $1`,
      [id],
    );
    await s.runner.check(id);
    const again = await s.rangeJobs(id);
    expect(again.map((j) => j.data.rangeId)).toEqual([(await ranges(id))[1]!.id]);
    expect(again[0]!.id).toMatch(new RegExp(`^c${id}-r${again[0]!.data.rangeId}-`));
    // The first range's rows lost their DeliverBatch job too: the orphan scan enqueued them.
    expect((await s.deliveryJobs(id)).flatMap((j) => j.data.deliveryIds)).toHaveLength(4);
    // Looking again while that job waits re-creates nothing.
    await s.runner.check(id);
    expect(await s.rangeJobs(id)).toHaveLength(1);

    await s.runRangeJobs(id);
    await s.runDeliveryJobs(id);
    await s.runner.check(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', total: 6, sent: 6 });
    await everyoneOnce(id);
  });

  it('sends nothing to a reader who unsubscribed after the start, before their range was written', async () => {
    const id = await started('left', 5);
    await s.world.query(
      `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now() WHERE email = 'left-2@example.test'`,
    );
    expect(await s.campaigns.get(id)).toMatchObject({ total: 5, queued: 5 });
    expect(await s.runRangeJobs(id)).toBe(4);
    await s.runDeliveryJobs(id);
    const rows = await s.ledger(id);
    // No ledger row: the unsubscribe wins, and the reader is not counted among the recipients any more.
    expect(rows.has('left-2@example.test')).toBe(false);
    expect(s.received('left-2@example.test')).toBe(0);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', total: 4, sent: 4, skipped: 0 });
    await everyoneOnce(id);
  });

  it('sends nothing to a reader confirmed after the start, inside or above the snapshot ids', async () => {
    await s.audience('late', 2);
    // A pending reader whose id lies inside the snapshot's ranges, and a third confirmed reader after them.
    await s.world.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source)
       VALUES ('late-pending@example.test', 'pending', now(), 'test')`,
    );
    await s.world.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       VALUES ('late-3@example.test', 'confirmed', now(), 'test', now())`,
    );
    const c = await s.campaigns.create(await s.edition());
    await s.runner.fanOut(c.id);
    expect(await s.campaigns.get(c.id)).toMatchObject({ total: 3 });

    // Confirmed after the snapshot: the pending one, and a brand-new reader (an id above the snapshot's).
    await s.world.query(
      `UPDATE subscriber SET status = 'confirmed', confirmed_at = now() WHERE email = 'late-pending@example.test'`,
    );
    await s.world.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       VALUES ('late-new@example.test', 'confirmed', now(), 'test', now())`,
    );
    const [r] = await ranges(c.id);
    const [pending] = await s.world.query<{ id: number }>(
      `SELECT id FROM subscriber WHERE email = 'late-pending@example.test'`,
    );
    expect(pending!.id).toBeGreaterThanOrEqual(r!.first);
    expect(pending!.id).toBeLessThanOrEqual(r!.last);

    expect(await s.runRangeJobs(c.id)).toBe(3);
    await s.runDeliveryJobs(c.id);
    expect([...(await s.ledger(c.id)).keys()].sort()).toEqual([
      'late-1@example.test',
      'late-2@example.test',
      'late-3@example.test',
    ]);
    expect(s.received('late-pending@example.test')).toBe(0);
    expect(s.received('late-new@example.test')).toBe(0);
    expect(await s.campaigns.get(c.id)).toMatchObject({ status: 'completed', total: 3, sent: 3 });
  });

  it('a campaign to nobody completes at its fan-out', async () => {
    await s.world.query(
      `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now() WHERE status = 'confirmed'`,
    );
    const c = await s.campaigns.create(await s.edition());
    expect(await s.runner.fanOut(c.id)).toEqual({ ranges: 0 });
    expect(await s.campaigns.get(c.id)).toMatchObject({ status: 'completed', total: 0 });
  });

  it('a cancelled campaign sent again takes a new snapshot; the old range jobs do nothing', async () => {
    const id = await started('again', 3);
    const old = await s.rangeJobs(id);
    await s.campaigns.cancel(id);
    // Cancelled: a range job writes nothing.
    expect(await s.runner.fanOutRange(id, old[0]!.data.rangeId)).toEqual({ written: 0 });
    const edition = (await s.campaigns.get(id)).editionId;
    expect((await s.campaigns.create(edition)).id).toBe(id);
    for (const job of old) {
      expect(await s.runner.fanOutRange(id, job.data.rangeId)).toEqual({ written: 0 });
      await job.remove();
    }
    await s.runner.fanOut(id);
    expect(await s.runRangeJobs(id)).toBe(3);
    await s.runDeliveryJobs(id);
    expect(await s.campaigns.get(id)).toMatchObject({ status: 'completed', total: 3, sent: 3 });
    await everyoneOnce(id);
    expect(await s.rangeJobs(id)).toHaveLength(0);
  });
});
