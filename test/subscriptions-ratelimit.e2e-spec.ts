import { TokenPurpose } from '@app/core';
import { readerWorld } from './helpers/scenarios';
import { oneClickUnsubscribe, subscriberRow, tokenFor } from './subscriptions.helpers';

/** Public endpoints are limited per client (THROTTLE_LIMIT per THROTTLE_TTL_MS), answering 429. */
describe('subscriptions (rate limiting)', () => {
  const { h, api } = readerWorld({ workers: 0, env: { THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '3600000' } });

  it('POST /api/subscriptions: the 4th request from one client within the window gets 429 and is not acted on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (
          await api()
            .post('/api/subscriptions')
            .send({ email: `rl${i}@example.org` })
        ).status,
      );
    }
    const limited = await api().post('/api/subscriptions').send({ email: 'rl-over@example.org' });
    expect(statuses).toEqual([202, 202, 202]);
    expect(limited.status).toBe(429);
    expect(limited.body.message).toEqual(expect.any(String));
    expect(await subscriberRow(h, 'rl-over@example.org')).toBeUndefined();
  });

  it('the hosted form and the pages are limited too', async () => {
    const form = [];
    for (let i = 0; i < 4; i++) {
      form.push(
        (
          await api()
            .post('/subscribe')
            .type('form')
            .send({ email: `form${i}@example.org` })
        ).status,
      );
    }
    expect(form).toEqual([200, 200, 200, 429]);
    const pages = [];
    for (let i = 0; i < 4; i++) pages.push((await api().get('/')).status);
    expect(pages).toEqual([200, 200, 200, 429]);
  });

  it('one-click unsubscribe POSTs are not limited (mailbox providers send many from one address)', async () => {
    const emails = Array.from({ length: 5 }, (_, i) => `oneclick${i}@example.org`);
    for (const email of emails) {
      await h.query(`INSERT INTO subscriber (email, status, confirmed_at) VALUES ($1, 'confirmed', now())`, [
        email,
      ]);
    }
    for (const email of emails) {
      const token = await tokenFor(h, email, TokenPurpose.Unsubscribe);
      const res = await oneClickUnsubscribe(h, token);
      expect(res.status).toBe(200);
      expect((await subscriberRow(h, email))!.status).toBe('unsubscribed');
    }
  });
});
