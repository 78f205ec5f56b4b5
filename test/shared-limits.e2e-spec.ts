import { PrivateRedis } from '@app/testing';
import request from 'supertest';
import { SIGN_IN_UNAVAILABLE } from '../apps/api/src/auth/console-auth.controller';
import { LOGIN_LIMIT_PER_IP } from '../apps/api/src/auth/login-throttle';
import { Harness } from './helpers/harness';
import { cookieValue, hiddenField } from './helpers/console-session';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** A wrong-password sign-in through one instance's login form, from `ip` (TRUST_PROXY is on). */
async function signIn(url: string, ip: string, password = 'not-the-password') {
  const form = await request(url).get('/admin/login').set('X-Forwarded-For', ip);
  const loginCsrf = cookieValue(form.headers['set-cookie'], 'nl_login_csrf');
  return request(url)
    .post('/admin/login')
    .set('X-Forwarded-For', ip)
    .set('Cookie', `nl_login_csrf=${loginCsrf}`)
    .type('form')
    .send({ _csrf: hiddenField(form.text, '_csrf'), email: 'nobody@example.org', password, next: '/admin' });
}

/**
 * The reader rate limits and the sign-in limits hold across API instances: two API processes on two ports,
 * one Redis; the limit applies to the sum of what both received.
 */
describe('shared limits: two API processes, one Redis', () => {
  const h = new Harness();
  let a = '';
  let b = '';

  beforeAll(async () => {
    await h.init({ env: { THROTTLE_LIMIT: '6', THROTTLE_TTL_MS: '3600000', TRUST_PROXY: 'true' } });
    const [first, second] = await Promise.all([h.spawnApi(), h.spawnApi()]);
    a = first.url;
    b = second.url;
  }, 120_000);
  afterAll(() => h.stop());

  it('reader pages: THROTTLE_LIMIT requests in all from one client, whichever instance gets them', async () => {
    const ip = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await request(i % 2 ? b : a)
            .get('/')
            .set('X-Forwarded-For', ip)
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const overA = await request(a).get('/').set('X-Forwarded-For', ip);
    const overB = await request(b).get('/').set('X-Forwarded-For', ip);
    expect([overA.status, overB.status]).toEqual([429, 429]);
    expect(Number(overB.headers['retry-after'])).toBeGreaterThan(0);
    // the in-process instance shares the count too; another client is not affected
    expect((await request(h.baseUrl).get('/').set('X-Forwarded-For', ip)).status).toBe(429);
    expect((await request(b).get('/').set('X-Forwarded-For', '203.0.113.8')).status).toBe(200);
  });

  it(`sign-in: ${LOGIN_LIMIT_PER_IP} attempts a minute per address across the instances, then 429`, async () => {
    const ip = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT_PER_IP; i++) statuses.push((await signIn(i % 2 ? b : a, ip)).status);
    expect(statuses).toEqual(Array(LOGIN_LIMIT_PER_IP).fill(401));
    const refused = await signIn(a, ip);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many sign-in attempts');
    expect((await signIn(b, ip)).status).toBe(429);
  });
});

/** Redis away: readers are served (fail open, counted), sign-in is refused (fail closed, 503). */
describe('shared limits: Redis down', () => {
  const redis = new PrivateRedis();
  const h = new Harness();

  beforeAll(async () => {
    await redis.start();
    await h.init({
      redisUrl: redis.url,
      env: { THROTTLE_LIMIT: '1000', TRUST_PROXY: 'true', METRICS_TOKEN },
    });
  }, 120_000);
  afterAll(async () => {
    await h.stop().catch(() => undefined);
    await redis.destroy();
  });

  it('reader pages keep answering, sign-in answers 503 with a message, both come back with Redis', async () => {
    expect((await request(h.baseUrl).get('/')).status).toBe(200);
    expect((await signIn(h.baseUrl, '203.0.113.20')).status).toBe(401);
    await redis.kill();

    const page = await request(h.baseUrl).get('/');
    expect(page.status).toBe(200);
    const refused = await signIn(h.baseUrl, '203.0.113.21', 'whatever');
    expect(refused.status).toBe(503);
    expect(refused.text).toContain(SIGN_IN_UNAVAILABLE.slice(0, 40));
    const metrics = await request(h.baseUrl).get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' });
    expect(metrics.text).toMatch(/newsletter_rate_limit_store_errors_total\{use="reader"\} [1-9]/);
    expect(metrics.text).toMatch(/newsletter_rate_limit_store_errors_total\{use="sign-in"\} [1-9]/);

    await redis.startAgain();
    await h.waitUntil(async () => (await signIn(h.baseUrl, '203.0.113.22')).status === 401, {
      what: 'sign-in to work again',
    });
  });
});
