import { TokenPurpose } from '@app/core';
import { readerWorld } from './helpers/scenarios';
import { confirmLinks, subscriberRow, tokenFor } from './subscriptions.helpers';

/**
 * The total cap on confirmation emails (issue 11): someone who keeps submitting another person's address
 * gets them at most 3 confirmations per 24 hours (counted from the first), however the 10-minute spacing is
 * respected. The clock is moved in the database, never waited for.
 */
describe('confirmation emails: at most 3 per pending address a day', () => {
  const { h, mail, api } = readerWorld();

  /** Signs the address up through the JSON API and waits until every queued email has gone out. */
  async function signUp(email: string): Promise<{ status: number; body: unknown }> {
    const res = await api().post('/api/subscriptions').send({ email });
    await mail.idle(h);
    return { status: res.status, body: res.body as unknown };
  }

  /** "Ten minutes later": moves the last confirmation back past the resend spacing. */
  const elevenMinutesLater = (email: string) =>
    h.query(
      "UPDATE subscriber SET confirmation_sent_at = confirmation_sent_at - interval '11 minutes' WHERE email = $1",
      [email],
    );

  /** "A day later": moves the cap window's start (and the last confirmation) back by a day. */
  const aDayLater = (email: string) =>
    h.query(
      `UPDATE subscriber SET confirmation_window_at = confirmation_window_at - interval '24 hours 1 minute',
         confirmation_sent_at = confirmation_sent_at - interval '24 hours 1 minute' WHERE email = $1`,
      [email],
    );

  const counters = async (email: string) => {
    const s = await subscriberRow(h, email);
    return { count: s!.confirmation_count, windowStarted: s!.confirmation_window_at !== null };
  };

  it('five sign-ups spaced past the 10-minute window send exactly 3 emails, all answered alike', async () => {
    const email = 'victim@example.org';
    const answers = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await signUp(email));
      await elevenMinutesLater(email);
    }
    expect(h.smtp.to(email)).toHaveLength(3);
    expect(answers[0]).toEqual({ status: 202, body: { message: expect.any(String) } });
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(await counters(email)).toEqual({ count: 3, windowStarted: true });
    expect(await mail.failed()).toBe(0);
  });

  it('the expired-link "send me a new one" button obeys the same cap', async () => {
    const email = 'victim@example.org';
    const eightDaysAgo = Math.floor(Date.now() / 1000) - 8 * 24 * 3600;
    const token = await tokenFor(h, email, TokenPurpose.Confirm, eightDaysAgo);
    const res = await api().post('/confirm/resend').type('form').send({ token });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your inbox'); // the same answer as when it sends
    await mail.idle(h);
    expect(h.smtp.to(email)).toHaveLength(3);
  });

  it('a day after the first of them, one more is allowed (a new window begins)', async () => {
    const email = 'victim@example.org';
    await aDayLater(email);
    await signUp(email);
    expect(h.smtp.to(email)).toHaveLength(4);
    expect(await counters(email)).toEqual({ count: 1, windowStarted: true });
  });

  it('confirming resets the count: after an unsubscribe, a new sign-up gets 3 again', async () => {
    const email = 'victim@example.org';
    const link = confirmLinks(h.smtp.to(email).at(-1)!).html!;
    const confirmed = await api()
      .post('/confirm')
      .type('form')
      .send({ token: new URL(link).searchParams.get('token') });
    expect(confirmed.status).toBe(200);
    expect(await counters(email)).toEqual({ count: 0, windowStarted: false });

    const unsub = await tokenFor(h, email, TokenPurpose.Unsubscribe);
    expect((await api().post(`/unsubscribe?token=${unsub}`).type('form').send({})).status).toBe(200);
    // Without the reset, this window would already hold one of the 4 emails above: only 2 more would go.
    for (let i = 0; i < 4; i++) {
      await signUp(email);
      await elevenMinutesLater(email);
    }
    expect(h.smtp.to(email)).toHaveLength(4 + 3);
    expect((await subscriberRow(h, email))!.status).toBe('pending');
  });

  it('a CSV import with the opt-in email counts as the first of the 3', async () => {
    const email = 'imported@example.org';
    const res = await api()
      .post('/api/admin/subscribers/import?sendOptIn=true')
      .auth(h.adminToken, { type: 'bearer' })
      .set('Content-Type', 'text/csv')
      .send(`email\n${email}\n`);
    expect(res.body).toMatchObject({ imported: 1, optInQueued: 1 });
    await mail.idle(h);
    await elevenMinutesLater(email);
    for (let i = 0; i < 3; i++) {
      await signUp(email);
      await elevenMinutesLater(email);
    }
    expect(h.smtp.to(email)).toHaveLength(3);
  });
});
