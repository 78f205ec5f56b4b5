import { redisHashTag } from '@app/config';
import request from 'supertest';
import { crankCallApril2025WithLinks } from './fixtures/crank-call-2025-04-links';
import { BROWSER, report, trackedPaths } from './helpers/clicks';
import { campaignWorld } from './helpers/scenarios';
import { confirmLinks } from './subscriptions.helpers';

/**
 * Issue 17: the service on a Redis Cluster. A local three-master cluster (no replicas), the API in process and
 * two worker processes in cluster mode (REDIS_CLUSTER_NODES, a hash-tagged REDIS_PREFIX). A sign-up goes
 * through the throttler, the mail queue and the send rate's script; a campaign through every queue; a click
 * through the unique-clicker HyperLogLogs. Any key outside the prefix's slot would fail (CROSSSLOT) or show up
 * in the last test.
 */
describe('on a Redis Cluster', () => {
  const world = campaignWorld({ redis: 'cluster', workers: 2, env: { CLICK_MACHINE_AFTER_SEND_S: '0' } });
  const { h } = world;
  const reader = 'cluster-reader@example.org';
  const N = 200;

  it('a sign-up through the API: the confirmation mail arrives and its link confirms', async () => {
    const res = await request(h.baseUrl).post('/api/subscriptions').send({ email: reader });
    expect(res.status).toBe(202);
    await h.waitUntil(() => h.smtp.to(reader).length > 0, { what: `confirmation to ${reader}` });
    const link = confirmLinks(h.smtp.to(reader)[0]!).html!;
    const confirmed = await request(h.baseUrl)
      .post('/confirm')
      .type('form')
      .send({ token: new URL(link).searchParams.get('token') });
    expect(confirmed.status).toBe(200);
    const [row] = await h.query<{ status: string }>('SELECT status FROM subscriber WHERE email = $1', [
      reader,
    ]);
    expect(row?.status).toBe('confirmed');
  });

  let campaignId = 0;
  it('a campaign: every confirmed subscriber gets exactly one message', async () => {
    await h.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       SELECT 'cluster-' || g || '@example.test', 'confirmed', now(), 'test', now() FROM generate_series(1, $1) g`,
      [N],
    );
    const confirmed = (
      await h.query<{ email: string }>(`SELECT email FROM subscriber WHERE status = 'confirmed'`)
    ).map((r) => r.email.toLowerCase());
    expect(confirmed).toHaveLength(N + 1);
    const [e] = await h.query<{ id: number }>(
      `INSERT INTO edition (publication_id, slug, subject, content, status)
       VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), '2025-04', $1, $2::jsonb, 'draft')
       RETURNING id`,
      [
        crankCallApril2025WithLinks.subject,
        JSON.stringify({ ...crankCallApril2025WithLinks, slug: '2025-04' }),
      ],
    );
    const c = await world.startCampaign(e!.id);
    campaignId = c.id;
    const done = await world.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
    expect(done).toMatchObject({ total: N + 1, sent: N + 1, failed: 0, pending: 0 });

    const perRecipient = new Map<string, number>();
    for (const m of h.smtp.messages.filter((x) => x.parsed.subject === crankCallApril2025WithLinks.subject)) {
      for (const to of m.envelopeTo)
        perRecipient.set(to.toLowerCase(), (perRecipient.get(to.toLowerCase()) ?? 0) + 1);
    }
    expect([...perRecipient.keys()].sort()).toEqual([...confirmed].sort());
    expect([...perRecipient.values()].filter((n) => n !== 1)).toEqual([]);
  });

  it('a reader’s click is counted in the unique-clicker estimate', async () => {
    const mail = h.smtp.to(reader).find((m) => m.parsed.subject === crankCallApril2025WithLinks.subject)!;
    const [path] = trackedPaths(mail);
    await request(h.baseUrl).get(path!).set('User-Agent', BROWSER).expect(302);
    const r = await report(world, campaignId);
    expect(r.clicks.uniqueHumans).toBe(1);
  });

  it('the operator’s views read the cluster: readiness, Bull Board and the queue metrics', async () => {
    const ready = await request(h.baseUrl).get('/health/ready');
    expect(ready.status).toBe(200);
    const board = await world.api.get('/admin/queues/api/queues');
    expect(board.status).toBe(200);
    expect(board.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
      'campaign',
      'delivery',
      'inbound',
      'mail',
    ]);
    const metrics = await request(h.baseUrl).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/newsletter_queue_jobs\{queue="delivery",state="completed"\} [1-9]/);
    expect(metrics.text).toMatch(/newsletter_metrics_collect_failed\{collector="queues"\} 0/);
  });

  it('every key the service wrote is under the prefix, all in its hash tag’s one slot', async () => {
    const cluster = world.redisCluster;
    const keys = await cluster.keys();
    // queues of each kind, the send rate's bucket, the throttler's counters, the click HyperLogLogs
    for (const part of [':mail:', ':campaign:', ':delivery:', ':send-rate:', ':limits:', ':clicks:']) {
      expect(keys.some((k) => k.key.startsWith(h.prefix) && k.key.includes(part))).toBe(true);
    }
    expect(keys.filter((k) => !k.key.startsWith(`${h.prefix}:`))).toEqual([]);
    const tag = redisHashTag(h.prefix)!;
    const slot = await cluster.command(cluster.ports[0]!, 'CLUSTER', 'KEYSLOT', tag);
    // one node holds them all: the one serving that slot
    expect(new Set(keys.map((k) => k.port)).size).toBe(1);
    const count = await cluster.command(keys[0]!.port, 'CLUSTER', 'COUNTKEYSINSLOT', slot);
    expect(Number(count)).toBe(keys.length);
  });
});
