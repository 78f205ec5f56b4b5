import { ClickTracker } from '@app/core';
import request from 'supertest';
import { BROWSER, report, sendIssue, trackedPaths } from './helpers/clicks';
import { campaignWorld } from './helpers/scenarios';

/**
 * Issue 15, bad weather: tracked links keep redirecting while Redis or PostgreSQL is away (both private
 * servers: the shared ones are never touched), and the counts written afterwards hold every click the API
 * process saw (the buffer keeps them while PostgreSQL is down; only the unique-clicker estimate, which lives in
 * Redis, misses the clicks of a Redis outage, as the README says). And one client clicking as fast as it can
 * is limited after CLICK_RATE_LIMIT without slowing anybody else.
 */
describe('tracked links through a Redis and a PostgreSQL outage', () => {
  const w = campaignWorld({
    inProcessWorker: true,
    redis: 'private',
    postgres: 'private',
    env: { CLICK_MACHINE_AFTER_SEND_S: '0' },
  });

  /** Clicks each path once (a browser following the link): every answer must be the redirect. */
  async function clickAll(paths: string[]): Promise<void> {
    for (const p of paths) {
      const res = await request(w.h.baseUrl).get(p).set('User-Agent', BROWSER).timeout(5000);
      expect([p, res.status]).toEqual([p, 302]);
    }
  }

  it('redirects through both outages and counts every click once the database is back', async () => {
    const { id, mails } = await sendIssue(w, 'out', 9, '2025-04');
    // Three readers per phase, each clicking one link only (two links of one message within 2 s would be a
    // link scanner's): in phase k readers 3k..3k+2 click link k.
    const phase = (k: number) => mails.slice(3 * k, 3 * k + 3).map((m) => trackedPaths(m)[k]!);

    await clickAll(phase(0)); // before: the API has read the issue's links
    await w.redis.kill();
    await clickAll(phase(1));
    await w.redis.startAgain();
    await w.postgres.stop('immediate');
    await clickAll(phase(2));
    await w.h.app.get(ClickTracker).flush(); // cannot write: the clicks stay buffered
    await w.postgres.startAgain();

    let r = await report(w, id);
    for (let i = 0; i < 60 && r.clicks.human < 9; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      r = await report(w, id);
    }
    expect(r.clicks.human).toBe(9);
    expect(r.clicks.machine).toBe(0);
    expect(r.clicks.links.slice(0, 3).map((l) => l.human)).toEqual([3, 3, 3]);
  }, 240_000);
});

describe('one client clicking as fast as it can', () => {
  const w = campaignWorld({
    inProcessWorker: true,
    env: { CLICK_MACHINE_AFTER_SEND_S: '0', CLICK_RATE_LIMIT: '50', TRUST_PROXY: 'true' },
  });

  it('is answered 429 after the allowance, while another reader’s clicks still redirect', async () => {
    const { mails } = await sendIssue(w, 'flood', 2, '2025-05');
    const [flooder, reader] = [trackedPaths(mails[0]!)[0]!, trackedPaths(mails[1]!)[0]!];
    const click = (path: string, ip: string) =>
      request(w.h.baseUrl).get(path).set('X-Forwarded-For', ip).set('User-Agent', BROWSER);
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => click(flooder, '203.0.113.5').then((r) => r.status)),
      );
      statuses.push(...answers);
    }
    const redirected = statuses.filter((s) => s === 302).length;
    expect(redirected).toBe(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(450);
    const other = await click(reader, '198.51.100.7');
    expect(other.status).toBe(302);
    const limited = await click(flooder, '203.0.113.5');
    expect([limited.status, limited.text]).toEqual([429, expect.stringMatching(/\S/)]);
  });
});
