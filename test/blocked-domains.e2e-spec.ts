import { readerWorld } from './helpers/scenarios';
import { subscriberRow } from './subscriptions.helpers';

/** BLOCKED_DOMAINS and BLOCK_DISPOSABLE_DOMAINS refuse a sign-up with a message (422), on the API and the form. */
describe('blocked and disposable domains', () => {
  const { h, api } = readerWorld({
    workers: 0,
    env: { BLOCKED_DOMAINS: 'spam.example, Evil.Example.NET', BLOCK_DISPOSABLE_DOMAINS: 'true' },
  });

  it('API: a blocked domain, its subdomains and a disposable domain are refused with 422 and a message', async () => {
    for (const [email, message] of [
      ['a@spam.example', /addresses at spam\.example are not accepted/],
      ['b@mx.Evil.example.net', /addresses at mx\.evil\.example\.net are not accepted/],
      ['c@mailinator.com', /disposable/],
    ] as const) {
      const res = await api().post('/api/subscriptions').send({ email });
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(message);
      expect(await subscriberRow(h, email)).toBeUndefined();
    }
    // a domain that merely ends like a blocked one is not refused
    expect((await api().post('/api/subscriptions').send({ email: 'd@notspam.example' })).status).toBe(202);
  });

  it('the form shows the message, with the address kept', async () => {
    const res = await api().post('/subscribe').type('form').send({ email: 'e@spam.example' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('are not accepted: please use another address');
    expect(res.text).toContain('value="e@spam.example"');
  });
});
