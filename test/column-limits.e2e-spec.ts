import request from 'supertest';
import { Harness } from './helpers/harness';

/*
 * Issue 11, item 11, for the columns filled from request headers: behind a trusted proxy the client address
 * is whatever the last X-Forwarded-For entry says, and the user agent is any length. Both are evidence kept
 * with a sign-up, cut to their columns (subscriber.consent_ip varchar(64), consent_user_agent varchar(512)):
 * a long one was a 500 ("value too long for type character varying(64)") instead of a sign-up.
 */
describe('evidence from request headers fits its columns', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { THROTTLE_LIMIT: '100000', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('accepts a sign-up with a 100-character forwarded address and a 2,000-character user agent', async () => {
    const res = await request(h.baseUrl)
      .post('/api/subscriptions')
      .set('X-Forwarded-For', `198.51.100.7, ${'f'.repeat(100)}`)
      .set('User-Agent', 'u'.repeat(2000))
      .send({ email: 'long-headers@example.org' });
    expect(res.status).toBe(202);
    const [s] = await h.query<{ id: number; ip: string; ua: string }>(
      `SELECT id, consent_ip AS ip, consent_user_agent AS ua FROM subscriber WHERE email = 'long-headers@example.org'`,
    );
    expect(s).toMatchObject({ ip: 'f'.repeat(64), ua: 'u'.repeat(512) });
    const events = await h.query<{ ip: string; ua: string }>(
      `SELECT ip, user_agent AS ua FROM subscriber_event WHERE subscriber_id = $1`,
      [s!.id],
    );
    expect(events).toContainEqual({ ip: 'f'.repeat(64), ua: 'u'.repeat(512) });
  });
});
