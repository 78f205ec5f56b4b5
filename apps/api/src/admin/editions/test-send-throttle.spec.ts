import { testLimitStore } from '../../../../../test/helpers/limit-store';
import { SharedThrottlerStorage } from '../../limits/shared-throttler.storage';
import { TEST_SEND_RECIPIENTS_PER_WINDOW, TestSendLimitError, TestSendThrottle } from './test-send-throttle';

/** Against the storage the API uses (SharedThrottlerStorage, in Redis). */
describe('test-send limit per user', () => {
  let world: ReturnType<typeof testLimitStore>;
  let throttle: TestSendThrottle;
  const editor = { userId: 7, role: 'editor', via: 'session' } as const;
  const other = { userId: 8, role: 'editor', via: 'session' } as const;

  beforeEach(() => {
    world = testLimitStore();
    throttle = new TestSendThrottle(new SharedThrottlerStorage(world.store, world.metrics));
  });
  afterEach(() => world.close());

  it(`counts recipients, not requests: ${TEST_SEND_RECIPIENTS_PER_WINDOW} a minute`, async () => {
    expect(TEST_SEND_RECIPIENTS_PER_WINDOW).toBe(20);
    await throttle.take(editor as never, 10);
    await throttle.take(editor as never, 10);
    const refused = await throttle.take(editor as never, 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TestSendLimitError);
    expect((refused as TestSendLimitError).kind).toBe('rate-limited'); // 429 with Retry-After
    expect((refused as TestSendLimitError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((refused as TestSendLimitError).retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((refused as Error).message).toMatch(/at most 20 recipients a minute per user/);
    // per user
    await expect(throttle.take(other as never, 10)).resolves.toBeUndefined();
  });

  it('refuses a request that does not fit without charging it, so a smaller one still fits', async () => {
    await throttle.take(editor as never, 15);
    await expect(throttle.take(editor as never, 10)).rejects.toBeInstanceOf(TestSendLimitError);
    await expect(throttle.take(editor as never, 6)).rejects.toBeInstanceOf(TestSendLimitError);
    await expect(throttle.take(editor as never, 5)).resolves.toBeUndefined();
    await expect(throttle.take(editor as never, 1)).rejects.toBeInstanceOf(TestSendLimitError);
  });

  it('gives the bootstrap ADMIN_API_TOKEN (no user) one allowance of its own', async () => {
    await throttle.take({ role: 'admin', via: 'token' } as never, 10);
    await throttle.take(undefined, 10);
    await expect(throttle.take({ role: 'admin', via: 'token' } as never, 1)).rejects.toBeInstanceOf(
      TestSendLimitError,
    );
    await expect(throttle.take(editor as never, 10)).resolves.toBeUndefined();
  });
});
