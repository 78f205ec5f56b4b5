import { testLimitStore } from '../../../../test/helpers/limit-store';
import {
  LOGIN_DELAY_MAX_MS,
  LOGIN_FREE_FAILURES,
  LOGIN_LIMIT_PER_IP,
  loginDelayMs,
  LoginThrottle,
} from './login-throttle';

/** The real throttle on the real store (Redis); only its pause is recorded instead of waited. */
class RecordingThrottle extends LoginThrottle {
  readonly pauses: number[] = [];
  constructor(world: ReturnType<typeof testLimitStore>, memoryMs?: number) {
    super(world.store, world.metrics);
    this.pause = (ms) => {
      this.pauses.push(ms);
      return Promise.resolve();
    };
    if (memoryMs !== undefined) this.failureMemoryMs = memoryMs;
  }
}

describe('LoginThrottle', () => {
  let world: ReturnType<typeof testLimitStore>;
  let throttle: RecordingThrottle;
  let ip = 0;
  /** Every attempt from an address of its own, unless a test floods one. */
  const nextIp = () => `192.0.2.${++ip}`;
  const PASSWORD = 'the-right-password';
  const verify = (password: string) => () =>
    Promise.resolve(password === PASSWORD ? { userId: 1 } : undefined);

  beforeEach(() => {
    world = testLimitStore();
    throttle = new RecordingThrottle(world);
  });
  afterEach(() => world.close());

  it('the pause is nothing for the first failures, then doubles up to its maximum', () => {
    expect([0, 1, LOGIN_FREE_FAILURES - 1].map(loginDelayMs)).toEqual([0, 0, 0]);
    const pauses = [0, 1, 2, 3, 10, 100].map((n) => loginDelayMs(LOGIN_FREE_FAILURES + n));
    expect(pauses.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(pauses.slice(4)).toEqual([LOGIN_DELAY_MAX_MS, LOGIN_DELAY_MAX_MS]);
  });

  it('after many wrong passwords the right one still signs in (slowed, never refused), which clears the count', async () => {
    for (let i = 0; i < LOGIN_FREE_FAILURES + 2; i++) {
      expect(await throttle.attempt(nextIp(), 'owner@example.org', verify('guess'))).toEqual({
        user: undefined,
      });
    }
    // the 6th and 7th failures waited, and so does the owner's attempt after 7 failures
    expect(throttle.pauses).toEqual([250, 500]);
    expect(await throttle.attempt(nextIp(), 'Owner@Example.org ', verify(PASSWORD))).toEqual({
      user: { userId: 1 },
    });
    expect(throttle.pauses).toEqual([250, 500, 1000]);
    // success forgets the failures: the next attempt is not slowed
    await throttle.attempt(nextIp(), 'owner@example.org', verify('guess'));
    expect(throttle.pauses).toHaveLength(3);
  });

  it('counts wrong second-factor codes like wrong passwords; a right password before the code clears nothing', async () => {
    const email = 'totp@example.org';
    const code = (typed: string) => () => Promise.resolve(typed === '123456' ? 1 : undefined);
    const password = () => Promise.resolve({ userId: 1, secondFactor: 'verify' as const });
    const notYet = { completesSignIn: (u: { secondFactor?: string }) => u.secondFactor === undefined };
    for (let i = 0; i < LOGIN_FREE_FAILURES + 1; i++) {
      // whoever knows the password alternates it with code guesses
      expect(await throttle.attempt(nextIp(), email, password, notYet)).toEqual({
        user: { userId: 1, secondFactor: 'verify' },
      });
      expect(await throttle.attempt(nextIp(), email, code('000000'))).toEqual({ user: undefined });
    }
    // the code failures added up across the right passwords: the attempts are slowed now
    expect(throttle.pauses.length).toBeGreaterThan(0);
    const before = throttle.pauses.length;
    // the right code completes the sign-in and clears the failures
    expect(await throttle.attempt(nextIp(), email, code('123456'))).toEqual({ user: 1 });
    await throttle.attempt(nextIp(), email, code('000000'));
    expect(throttle.pauses).toHaveLength(before + 1);
  });

  it('slows an unknown email exactly like a known one (the pause reveals nothing)', async () => {
    for (const email of ['owner@example.org', 'nobody@example.org']) {
      for (let i = 0; i < LOGIN_FREE_FAILURES + 1; i++) await throttle.attempt(nextIp(), email, verify('x'));
    }
    expect(throttle.pauses).toEqual([250, 250]);
  });

  it('forgets an email’s failures a while after the last one (15 minutes; here 300 ms)', async () => {
    const quick = new RecordingThrottle(world, 300);
    for (let i = 0; i < LOGIN_FREE_FAILURES; i++) await quick.attempt(nextIp(), 'a@example.org', verify('x'));
    await new Promise((r) => setTimeout(r, 600));
    await quick.attempt(nextIp(), 'a@example.org', verify('x'));
    expect(quick.pauses).toEqual([]);
  });

  it('refuses a flood from one address, right password or not, without checking it', async () => {
    const flooder = nextIp();
    for (let i = 0; i < LOGIN_LIMIT_PER_IP; i++) {
      expect(await throttle.attempt(flooder, `spray${i}@example.org`, verify('x'))).toEqual({
        user: undefined,
      });
    }
    let checked = false;
    const refused = await throttle.attempt(flooder, 'owner@example.org', () => {
      checked = true;
      return verify(PASSWORD)();
    });
    expect(refused).toEqual({ refusedFor: expect.any(Number) });
    expect((refused as { refusedFor: number }).refusedFor).toBeGreaterThan(0);
    expect(checked).toBe(false);
    // the owner, from their own address, is not affected
    expect(await throttle.attempt(nextIp(), 'owner@example.org', verify(PASSWORD))).toEqual({
      user: { userId: 1 },
    });
  });

  it('counts across API instances: two throttles on one Redis share the address and email counters', async () => {
    const other = new RecordingThrottle(world);
    const flooder = nextIp();
    for (let i = 0; i < LOGIN_LIMIT_PER_IP; i++) {
      await (i % 2 ? other : throttle).attempt(flooder, 'owner@example.org', verify('x'));
    }
    expect(await other.attempt(flooder, 'owner@example.org', verify(PASSWORD))).toEqual({
      refusedFor: expect.any(Number),
    });
    // 10 failures of owner@ on the two instances: both slow its next attempt
    await throttle.attempt(nextIp(), 'owner@example.org', verify('x'));
    expect(throttle.pauses.at(-1)).toBe(LOGIN_DELAY_MAX_MS);
  });

  it('fails closed while Redis is away: unavailable, the password not checked, counted in the metric', async () => {
    const down = testLimitStore('redis://127.0.0.1:1');
    try {
      const t = new RecordingThrottle(down);
      let checked = false;
      const outcome = await t.attempt(nextIp(), 'owner@example.org', () => {
        checked = true;
        return verify(PASSWORD)();
      });
      expect(outcome).toEqual({ unavailable: true });
      expect(checked).toBe(false);
      const counted = await down.metrics.storeErrors.get();
      expect(counted.values).toEqual([expect.objectContaining({ labels: { use: 'sign-in' }, value: 1 })]);
    } finally {
      await down.close();
    }
  });
});
