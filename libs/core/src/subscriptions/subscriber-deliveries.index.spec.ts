import { createDataSource } from '@app/database';
import { createTestDatabase } from '@app/testing';
import type { DataSource } from 'typeorm';
import { ERASE_DELIVERY_RESPONSES_SQL, SUBSCRIBER_DELIVERIES_SQL } from './subscriber-delivery.repository';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/**
 * A reader's data export and erasure look up one subscriber's deliveries. With many campaigns the ledger
 * holds campaigns x subscribers rows; the lookup must go through an index that starts with subscriber_id,
 * not scan the table or the whole (campaign_id, subscriber_id) index.
 */
describe('delivery lookups by subscriber', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let subscriberId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, 2);
    await ds.initialize();
    // 30 sent campaigns to 4,000 subscribers: 120,000 ledger rows, each subscriber in 30 of them.
    await ds.query(`INSERT INTO subscriber (email, status)
      SELECT 'reader' || g || '@example.org', 'confirmed' FROM generate_series(1, 4000) g`);
    await ds.query(`INSERT INTO edition (publication_id, slug, subject, content, status)
      SELECT 1, to_char(date '2001-01-01' + make_interval(months => g), 'YYYY-MM'), 'Issue ' || g, '{}', 'sent'
      FROM generate_series(0, 29) g`);
    await ds.query(`INSERT INTO campaign (edition_id, status) SELECT id, 'completed' FROM edition`);
    await ds.query(`INSERT INTO delivery (campaign_id, subscriber_id, status, sent_at)
      SELECT c.id, s.id, 'sent', now() FROM campaign c CROSS JOIN subscriber s`);
    await ds.query('ANALYZE');
    const [row] = await ds.query<{ id: number }[]>(
      `SELECT id FROM subscriber WHERE email = 'reader2000@example.org'`,
    );
    subscriberId = row!.id;
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  async function deliveryAccess(sql: string): Promise<PlanNode[]> {
    const [row] = await ds.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(`EXPLAIN (FORMAT JSON) ${sql}`, [
      subscriberId,
    ]);
    return nodes(row!['QUERY PLAN'][0]!.Plan).filter(
      (n) => n['Relation Name'] === 'delivery' || n['Index Name'],
    );
  }

  it("the data export reads the subscriber's deliveries through delivery_subscriber_id_idx", async () => {
    const access = await deliveryAccess(SUBSCRIBER_DELIVERIES_SQL);
    const onDelivery = access.filter(
      (n) => n['Index Name']?.startsWith('delivery_') || n['Relation Name'] === 'delivery',
    );
    expect(onDelivery.map((n) => n['Index Name'] ?? n['Node Type'])).toContain('delivery_subscriber_id_idx');
    expect(onDelivery.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(onDelivery.map((n) => n['Index Name'])).not.toContain('delivery_campaign_id_subscriber_id_key');
    // and it returns the subscriber's 30 deliveries
    expect(await ds.query(SUBSCRIBER_DELIVERIES_SQL, [subscriberId])).toHaveLength(30);
  });

  it('erasure clears SMTP replies through the same index', async () => {
    const access = await deliveryAccess(ERASE_DELIVERY_RESPONSES_SQL);
    expect(access.map((n) => n['Index Name'])).toContain('delivery_subscriber_id_idx');
    expect(access.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  });
});
