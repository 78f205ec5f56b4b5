import { ThrottlerStorageService } from '@nestjs/throttler';
import {
  LOGIN_DELAY_MAX_MS,
  LOGIN_FAILURE_MEMORY_MS,
  LOGIN_FREE_FAILURES,
  LOGIN_LIMIT_PER_IP,
  loginDelayMs,
  LoginThrottle,
} from './login-throttle';

/** The real throttle and storage; only its pause is recorded instead of waited, and its clock is ours. */
class RecordingThrottle extends LoginThrottle {
  readonly pauses: number[] = [];
  clock = Date.now();
  constructor(storage: ThrottlerStorageService) {
    super(storage);
    this.pause = (ms) => {
      this.pauses.push(ms);
      return Promise.resolve();
    };
    this.now = () => this.clock;
  }
}

describe('LoginThrottle', () => {
  let storage: ThrottlerStorageService;
  let throttle: RecordingThrottle;
  let ip = 0;
  /** Every attempt from an address of its own, unless a test floods one. */
  const nextIp = () => `192.0.2.${++ip}`;
  const PASSWORD = 'the-right-password';
  const verify = (password: string) => () =>
    Promise.resolve(password === PASSWORD ? { userId: 1 } : undefined);

  beforeEach(() => {
    storage = new ThrottlerStorageService();
    throttle = new RecordingThrottle(storage);
  });
  afterEach(() => storage.onApplicationShutdown());

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

  it('forgets an email’s failures 15 minutes after the last one', async () => {
    for (let i = 0; i < LOGIN_FREE_FAILURES; i++)
      await throttle.attempt(nextIp(), 'a@example.org', verify('x'));
    throttle.clock += LOGIN_FAILURE_MEMORY_MS + 1;
    await throttle.attempt(nextIp(), 'a@example.org', verify('x'));
    expect(throttle.pauses).toEqual([]);
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
});
