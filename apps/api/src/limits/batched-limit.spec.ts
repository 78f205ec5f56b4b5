import { testLimitStore } from '../../../../test/helpers/limit-store';
import { BatchedLimit } from './batched-limit';

/** Two API instances' click limits on one real Redis; syncs are made by hand (the timer's period is an hour). */
describe('BatchedLimit', () => {
  const TTL = 10_000;
  const LIMIT = 50;
  let world: ReturnType<typeof testLimitStore>;
  let errors: unknown[];
  const limit = (store: ConstructorParameters<typeof BatchedLimit>[0] = world.store) =>
    new BatchedLimit(store, 'throttle:clicks', (err) => errors.push(err), 3_600_000);
  const hits = (l: BatchedLimit, key: string, n: number) =>
    Array.from({ length: n }, () => l.hit(key, TTL, LIMIT, TTL).isBlocked);

  beforeEach(() => {
    world = testLimitStore();
    errors = [];
  });
  afterEach(() => world.close());

  it('one instance lets exactly the limit through, then blocks that client only', async () => {
    const a = limit();
    expect(hits(a, 'client-1', LIMIT).filter(Boolean)).toHaveLength(0);
    const refused = a.hit('client-1', TTL, LIMIT, TTL);
    expect(refused).toMatchObject({ isBlocked: true, totalHits: LIMIT + 1 });
    expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(9);
    expect(a.hit('client-2', TTL, LIMIT, TTL).isBlocked).toBe(false);
    await a.sync();
    // Blocked hits are not counted: Redis holds what was let through.
    expect(await world.store.add('throttle:clicks', 'client-1', 0, TTL)).toMatchObject({ totalHits: LIMIT });
    expect(errors).toEqual([]);
    a.stop();
  });

  it('two instances share one allowance once they have synced', async () => {
    const a = limit();
    const b = limit();
    expect(hits(a, 'client', 30).filter(Boolean)).toHaveLength(0);
    await a.sync();
    // b has not heard of a's 30 yet: its first click passes, and its sync brings back every instance's count.
    expect(b.hit('client', TTL, LIMIT, TTL).isBlocked).toBe(false);
    await b.sync();
    const rest = hits(b, 'client', 20);
    expect(rest.filter((blocked) => !blocked)).toHaveLength(LIMIT - 31);
    expect(rest.at(-1)).toBe(true);
    // a learns of b's clicks at its next sync (its own pending hit goes with it) and blocks too.
    await b.sync();
    expect(a.hit('client', TTL, LIMIT, TTL).isBlocked).toBe(false);
    await a.sync();
    expect(a.hit('client', TTL, LIMIT, TTL).isBlocked).toBe(true);
    a.stop();
    b.stop();
  });

  it('with Redis away the instance still limits on its own count, and reports each failed sync', async () => {
    const down = { add: () => Promise.reject(new Error('connection closed')) };
    const a = limit(down);
    expect(hits(a, 'client', 20).filter(Boolean)).toHaveLength(0);
    await a.sync();
    expect(errors).toHaveLength(1);
    expect(hits(a, 'client', 31).filter(Boolean)).toHaveLength(1);
    await a.sync();
    expect(errors).toHaveLength(2);
    a.stop();
  });

  it('forgets a client whose window has ended, and starts a fresh window after a block', async () => {
    const a = limit();
    for (let i = 0; i <= LIMIT; i++) a.hit('client', 50, LIMIT, 50);
    expect(a.hit('client', 50, LIMIT, 50).isBlocked).toBe(true);
    await a.sync();
    await new Promise((r) => setTimeout(r, 120));
    expect(a.hit('client', 50, LIMIT, 50)).toMatchObject({ isBlocked: false, totalHits: 1 });
    await new Promise((r) => setTimeout(r, 120));
    await a.sync(); // sends the last hit
    await a.sync(); // window over, nothing pending: forgotten
    expect((a as unknown as { windows: Map<string, unknown> }).windows.size).toBe(0);
    a.stop();
  });
});
