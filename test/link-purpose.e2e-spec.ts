import { TokenPurpose } from '@app/core';
import request from 'supertest';
import { Harness } from './helpers/harness';
import { subscriberRow, tokenFor } from './subscriptions.helpers';

/**
 * Purpose binding (issue 11): a confirm link grants confirming, an unsubscribe link unsubscribing, and
 * neither answer hands out a preferences link (which never expires and can export and erase the reader's
 * data). Preferences links reach readers only at the foot of the issues they receive.
 */
describe('confirm and unsubscribe answers carry no preferences link', () => {
  let h: Harness;
  const api = () => request(h.baseUrl);
  const thirtyDaysAgo = () => Math.floor(Date.now() / 1000) - 30 * 24 * 3600;

  beforeAll(async () => {
    h = await Harness.start({ env: { THROTTLE_LIMIT: '100000' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const insert = (email: string, status: string) =>
    h.query(
      `INSERT INTO subscriber (email, status, consent_at, confirmed_at)
       VALUES ($1, $2::varchar, now() - interval '40 days', CASE WHEN $2::varchar = 'confirmed' THEN now() END)`,
      [email, status],
    );

  /** No preferences URL, raw or HTML-escaped, anywhere in the answer. */
  function expectNoPreferencesLink(res: request.Response): void {
    expect(res.text).not.toContain('/preferences');
    expect(res.text).not.toMatch(/preferences(\?|&#63;)token/);
  }

  it('an expired confirm token (30 days old) of a confirmed reader: GET, POST and resend', async () => {
    const email = 'expired-confirmed@example.org';
    await insert(email, 'confirmed');
    const token = await tokenFor(h, email, TokenPurpose.Confirm, thirtyDaysAgo());
    const answers = [
      await api().get(`/confirm?token=${token}`),
      await api().post('/confirm').type('form').send({ token }),
      await api().post('/confirm/resend').type('form').send({ token }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.text).toContain('You are already subscribed');
      expectNoPreferencesLink(res);
    }
  });

  it('an expired confirm token of a pending reader: the "link expired" page only', async () => {
    const email = 'expired-pending@example.org';
    await insert(email, 'pending');
    const token = await tokenFor(h, email, TokenPurpose.Confirm, thirtyDaysAgo());
    const res = await api().get(`/confirm?token=${token}`);
    expect(res.text).toContain('This confirmation link has expired');
    expectNoPreferencesLink(res);
  });

  it('a valid confirm link: the "you are subscribed" page, and the same link again', async () => {
    const email = 'fresh-confirm@example.org';
    await insert(email, 'pending');
    const token = await tokenFor(h, email, TokenPurpose.Confirm);
    const first = await api().post('/confirm').type('form').send({ token });
    expect(first.text).toContain('You are subscribed');
    expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    const again = await api().get(`/confirm?token=${token}`);
    expect(again.text).toContain('already subscribed');
    for (const res of [first, again]) expectNoPreferencesLink(res);
  });

  it('a valid unsubscribe link: the page, the unsubscribe, one-click, and the page once unsubscribed', async () => {
    const email = 'unsub-purpose@example.org';
    await insert(email, 'confirmed');
    const token = await tokenFor(h, email, TokenPurpose.Unsubscribe);
    const pageBefore = await api().get(`/unsubscribe?token=${token}`);
    expect(pageBefore.text).toContain('<button type="submit">Unsubscribe</button>');
    const done = await api().post(`/unsubscribe?token=${token}`).type('form').send({});
    expect(done.text).toContain('You have been unsubscribed');
    const oneClick = await api()
      .post(`/unsubscribe?token=${token}`)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    const pageAfter = await api().get(`/unsubscribe?token=${token}`);
    expect(pageAfter.text).toContain('You are unsubscribed');
    for (const res of [pageBefore, done, oneClick, pageAfter]) {
      expect(res.status).toBe(200);
      expectNoPreferencesLink(res);
    }
    // the way back is a fresh double opt-in from the subscribe page
    expect(done.text).toContain('<a href="/">Subscribe again</a>');
  });
});
