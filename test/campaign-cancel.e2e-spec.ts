import { audience, type CampaignBody } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

/**
 * A campaign cancelled before anyone received the edition must not leave the edition unsendable: sending it
 * again starts the cancelled campaign over and everyone gets exactly one copy. Messages in flight at the
 * cancel (handed to the SMTP server, no reply yet) are never forgotten: until their outcome is recorded a
 * new send is refused, and if they were accepted the edition counts as sent. The SMTP sink holds messages
 * unanswered (`hold`) so that "in flight" lasts exactly as long as the test wants.
 */
describe('cancel a campaign, then send the edition again', () => {
  const world = campaignWorld();
  const { h } = world;

  const editionStatus = async (id: number) =>
    (await h.query<{ status: string }>('SELECT status FROM edition WHERE id = $1', [id]))[0]!.status;
  const deliveryRows = async (campaignId: number) =>
    (
      await h.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery WHERE campaign_id = $1', [
        campaignId,
      ])
    )[0]!.n;
  /** Fan-out done and the worker has messages in flight, held by the sink. */
  const inFlight = (id: number) =>
    h.waitUntil(
      async () => {
        const c = await world.getCampaign(id);
        return c.fannedOutAt && c.sending > 0 && h.smtp.heldCount > 0 ? c : undefined;
      },
      { timeoutMs: 60000, what: `campaign ${id} to have messages in flight` },
    );
  /** Answers held messages (with `verdict`, or accepting them) until the campaign has none in flight. */
  const answerUntilSettled = (id: number, verdict?: { code: number; message: string }) =>
    h.waitUntil(
      async () => {
        h.smtp.release(verdict);
        const c = await world.getCampaign(id);
        return c.sending === 0 && h.smtp.heldCount === 0 ? c : undefined;
      },
      { timeoutMs: 60000, intervalMs: 200, what: `campaign ${id} to have nothing in flight` },
    );

  beforeAll(async () => {
    // A long SMTP timeout: held messages stay in flight until the test answers them.
    await world.spawnWorker({ SMTP_TIMEOUT_MS: '120000' });
  });
  afterEach(() => {
    h.smtp.hold = false;
    h.smtp.release();
  });

  it('cancelled with deliveries queued and none sent: a new send is accepted and everyone gets one copy', async () => {
    const n = 1001;
    await world.seedAudience('recancel', n);
    const editionId = await world.createEdition();
    h.smtp.hold = true;
    const first = await world.startCampaign(editionId);
    await inFlight(first.id);

    const cancelled = await world.api.post(`/api/admin/campaigns/${first.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await editionStatus(editionId)).toBe('draft');

    // Messages are still with the SMTP server: their rows stay and a new send waits for their outcome.
    const early = await world.api.post('/api/admin/campaigns', { editionId });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/still being handed to the SMTP server/);
    expect(await deliveryRows(first.id)).toBe(n);

    // The relay refuses them for now (4xx): nobody has received the edition.
    const settled: CampaignBody = await answerUntilSettled(first.id, {
      code: 451,
      message: '4.3.0 Try again later',
    });
    expect(settled).toMatchObject({ status: 'cancelled', sent: 0, total: n, queued: n });
    expect(world.receivedBy('recancel').size).toBe(0);
    expect(await editionStatus(editionId)).toBe('draft');
    // Neither resume nor send-missed applies to a cancelled campaign; sending the edition again does.
    expect((await world.api.post(`/api/admin/campaigns/${first.id}/resume`)).status).toBe(409);
    expect((await world.api.post(`/api/admin/campaigns/${first.id}/send-missed`)).status).toBe(409);

    h.smtp.hold = false;
    const again = await world.api.post('/api/admin/campaigns', { editionId });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.id, editionId, status: 'running', sent: 0 });

    const done = await world.waitForCampaign(first.id, (c) => c.status === 'completed', 'completed', 180000);
    expect(done).toMatchObject({ total: n, sent: n, failed: 0, pending: 0 });
    const got = world.receivedBy('recancel');
    expect(audience('recancel', n).filter((a) => got.get(a)?.length !== 1)).toEqual([]);
    expect(got.size).toBe(n);
    expect(await editionStatus(editionId)).toBe('sent');
    expect((await world.api.post('/api/admin/campaigns', { editionId })).status).toBe(409);
  }, 300000);

  it('messages in flight at the cancel and accepted after it: a new send is refused, the edition counts as sent', async () => {
    const n = 120;
    await world.seedAudience('lateok', n);
    const editionId = await world.createEdition();
    h.smtp.hold = true;
    const c = await world.startCampaign(editionId);
    await inFlight(c.id);
    expect((await world.api.post(`/api/admin/campaigns/${c.id}/cancel`)).status).toBe(200);
    expect(await editionStatus(editionId)).toBe('draft'); // nobody had received it at the cancel

    expect((await world.api.post('/api/admin/campaigns', { editionId })).status).toBe(409);
    const settled = await answerUntilSettled(c.id); // the relay accepts them after all
    expect(settled.sent).toBeGreaterThan(0);
    expect(settled.queued).toBe(n - settled.sent);

    const again = await world.api.post('/api/admin/campaigns', { editionId });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already has a campaign/);
    expect(await editionStatus(editionId)).toBe('sent');
    expect(await deliveryRows(c.id)).toBe(n);
    const got = world.receivedBy('lateok');
    expect(got.size).toBe(settled.sent);
    expect([...got.values()].every((ms) => ms.length === 1)).toBe(true);
  }, 180000);
});
