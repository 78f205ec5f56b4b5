import { stopProcess } from '@app/testing';
import { audience } from './campaign.fixtures';
import { campaignWorld } from './helpers/scenarios';

/**
 * kill -9 of a real worker process in the middle of a send, then another worker: every recipient gets the
 * edition, and the only duplicates are messages that were in flight (claimed, `sending`) at the kill.
 */
describe('campaign delivery survives a killed worker', () => {
  // Full speed: the sink (which parses every message) is the bottleneck, so each of the worker's batches
  // has a chunk of messages waiting for their 250 at any moment, and the kill catches them in flight.
  const world = campaignWorld();
  const { h } = world;
  const N = 1200;

  it('loses no one and duplicates at most the messages in flight at the kill', async () => {
    await world.seedAudience('crash', N);
    const editionId = await world.createEdition('2025-04');
    const doomed = await world.spawnWorker();
    const campaign = await world.startCampaign(editionId);

    await h.smtp.waitFor(250, 60000);
    await stopProcess(doomed, 'SIGKILL');
    // Only the killed worker was sending: whatever is in `sending` now was in flight when it died.
    const inFlight = await h.query<{ id: number; email: string }>(
      `SELECT d.id, s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 AND d.status = 'sending'`,
      [campaign.id],
    );
    const atKill = await world.getCampaign(campaign.id);
    const receivedAtKill = h.smtp.messages.length;
    expect(atKill.status).toBe('running');
    expect(atKill.pending).toBeGreaterThan(0); // really in the middle of the send

    await world.spawnWorker();
    const done = await world.waitForCampaign(
      campaign.id,
      (c) => c.status === 'completed',
      'completed',
      120000,
    );

    const got = world.receivedBy('crash');
    const missing = audience('crash', N).filter((a) => !got.has(a));
    const duplicated = [...got].filter(([, ms]) => ms.length > 1).map(([addr]) => addr);
    const extra = [...got.values()].reduce((n, ms) => n + ms.length - 1, 0);
    console.log(
      `[crash] killed after ${receivedAtKill} messages arrived; ${inFlight.length} in flight at the kill; ` +
        `${duplicated.length} recipients got a second copy (${extra} extra messages); ${missing.length} missing`,
    );
    expect(missing).toEqual([]);
    expect(extra).toBeLessThanOrEqual(inFlight.length);
    expect([...got.values()].every((ms) => ms.length <= 2)).toBe(true);
    // A second copy only ever went to someone whose message was in flight at the kill.
    const inFlightEmails = new Set(inFlight.map((r) => r.email));
    expect(duplicated.filter((a) => !inFlightEmails.has(a))).toEqual([]);
    // And it is the same message (same Message-ID), so a receiving system can tell.
    for (const addr of duplicated) {
      const [a, b] = got.get(addr)!;
      expect(a!.parsed.messageId).toBe(b!.parsed.messageId);
    }

    expect(done).toMatchObject({ total: N, sent: N, pending: 0, failed: 0 });
    // The in-flight deliveries were released and sent once more (attempt 2); nobody else needed a second try.
    const attempts = await h.query<{ id: number; attempts: number }>(
      `SELECT id, attempts FROM delivery WHERE campaign_id = $1 AND attempts > 1`,
      [campaign.id],
    );
    expect(attempts.map((r) => r.id).sort((a, b) => a - b)).toEqual(
      inFlight.map((r) => r.id).sort((a, b) => a - b),
    );
    expect(attempts.every((r) => r.attempts === 2)).toBe(true);
  }, 180000);
});
