import { TokenPurpose, VerpAddresses } from '@app/core';
import { readerWorld } from './helpers/scenarios';
import {
  confirmLinks,
  localPath,
  oneClickUnsubscribe,
  PUBLIC,
  subscriberRow,
  tokenFor,
  tokenSigner,
} from './subscriptions.helpers';

/**
 * The reader's lifecycle through HTTP, the real worker process, PostgreSQL, Redis and the SMTP sink:
 * subscribe, confirmation email, confirm page and POST, one-click unsubscribe, preferences, erasure.
 */
describe('subscriptions (reader flows)', () => {
  // Rate limiting has its own test file; here many requests come from one client.
  const { h, mail, api } = readerWorld();

  async function subscribeApi(email: string, name?: string) {
    const res = await api()
      .post('/api/subscriptions')
      .send(name === undefined ? { email } : { email, name });
    expect(res.status).toBe(202);
    return res;
  }

  async function confirmViaEmail(address: string): Promise<void> {
    await h.waitUntil(() => h.smtp.to(address).length > 0, { what: `confirmation to ${address}` });
    const link = confirmLinks(h.smtp.to(address).at(-1)!).html!;
    const res = await api()
      .post('/confirm')
      .type('form')
      .send({ token: new URL(link).searchParams.get('token') });
    expect(res.status).toBe(200);
  }

  describe('the whole lifecycle', () => {
    const address = 'Reader.One@Example.ORG';
    const stored = 'Reader.One@example.org';

    it('subscribe (JSON) → 202, a pending subscriber with consent evidence, nothing sent by the API itself', async () => {
      const res = await api()
        .post('/api/subscriptions')
        .set('User-Agent', 'lifecycle-test/1.0')
        .send({ email: `  ${address} `, name: 'Reader One' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ message: expect.stringMatching(/check your inbox/i) });
      const s = await subscriberRow(h, stored);
      expect(s).toMatchObject({
        email: stored, // trimmed, domain lowercased, local part kept
        name: 'Reader One',
        status: 'pending',
        consent_source: 'api',
        consent_user_agent: 'lifecycle-test/1.0',
      });
      expect(s!.consent_ip).toMatch(/127\.0\.0\.1/);
      expect(s!.consent_at).toBeInstanceOf(Date);
      const events = await h.query(
        'SELECT type, to_status, source FROM subscriber_event WHERE subscriber_id = $1',
        [s!.id],
      );
      expect(events).toEqual([{ type: 'subscribed', to_status: 'pending', source: 'api' }]);
    });

    let confirmLink = '';
    it('the worker sends the confirmation email (HTML and text, same link)', async () => {
      await h.smtp.waitFor(1);
      const msgs = h.smtp.to(stored);
      expect(msgs).toHaveLength(1);
      const m = msgs[0]!;
      expect(m.envelopeTo).toEqual([stored]);
      expect(m.parsed.subject).toBe('Confirm your subscription to CRANK Call');
      expect(m.parsed.from?.text).toContain('crank@example.test');
      // VERP: the envelope sender is a signed bounce address naming this subscriber's confirmation (a bounce
      // of it finds the subscriber); the From header stays MAIL_FROM.
      const [sub] = await h.query<{ id: number }>('SELECT id FROM subscriber WHERE email = $1', [stored]);
      expect(h.app.get(VerpAddresses, { strict: false }).parseRecipient(m.envelopeFrom)).toEqual({
        kind: 'bounce',
        subject: { kind: 'confirmation', subscriberId: sub!.id },
      });
      expect(m.parsed.from?.value.map((a) => a.address)).toEqual(['crank@example.test']);
      expect(m.parsed.text).toContain('Confirm subscription');
      const links = confirmLinks(m);
      expect(links.html).toBeDefined();
      expect(links.html).toBe(links.text);
      expect(links.html!.startsWith(`${PUBLIC}/confirm?token=`)).toBe(true);
      confirmLink = links.html!;
      // recorded by the worker once the SMTP server has accepted the message
      const s = await subscriberRow(h, stored);
      await h.waitUntil(
        async () =>
          (
            await h.query(
              "SELECT 1 FROM subscriber_event WHERE subscriber_id = $1 AND type = 'confirmation_sent'",
              [s!.id],
            )
          ).length === 1,
        { what: 'the confirmation_sent event' },
      );
    });

    it('GET /confirm shows one "Confirm subscription" button and does not confirm', async () => {
      const res = await api().get(localPath(confirmLink));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('<form method="post" action="/confirm">');
      expect(res.text.match(/<button/g)).toHaveLength(1);
      expect(res.text).toContain('Confirm subscription');
      expect(res.text).toContain(stored);
      expect((await subscriberRow(h, stored))!.status).toBe('pending');
    });

    it('POST /confirm confirms, with the click recorded as evidence', async () => {
      const token = new URL(confirmLink).searchParams.get('token');
      const res = await api().post('/confirm').type('form').set('User-Agent', 'browser/2').send({ token });
      expect(res.status).toBe(200);
      expect(res.text).toContain('You are subscribed');
      expect(res.text).not.toContain('/preferences'); // purpose binding: a confirm link grants nothing more
      const s = await subscriberRow(h, stored);
      expect(s).toMatchObject({ status: 'confirmed' });
      expect(s!.confirmed_at).toBeInstanceOf(Date);
      const ev = await h.query<{ user_agent: string; source: string }>(
        "SELECT user_agent, source FROM subscriber_event WHERE subscriber_id = $1 AND type = 'confirmed'",
        [s!.id],
      );
      expect(ev).toEqual([{ user_agent: 'browser/2', source: 'confirm-link' }]);
    });

    it('the confirm link again → a friendly "already subscribed" page', async () => {
      const get = await api().get(localPath(confirmLink));
      expect(get.status).toBe(200);
      expect(get.text).toContain('already subscribed');
      const post = await api()
        .post('/confirm')
        .type('form')
        .send({ token: new URL(confirmLink).searchParams.get('token') });
      expect(post.status).toBe(200);
      expect(post.text).toContain('already subscribed');
    });

    it('GET /unsubscribe shows an "Unsubscribe" button (no preferences link) and changes nothing', async () => {
      const token = await tokenFor(h, stored, TokenPurpose.Unsubscribe);
      const res = await api().get(`/unsubscribe?token=${token}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`action="/unsubscribe?token=${token}"`);
      expect(res.text).toMatch(/<button type="submit">Unsubscribe<\/button>/);
      expect(res.text).not.toContain('/preferences');
      expect((await subscriberRow(h, stored))!.status).toBe('confirmed');
    });

    it('RFC 8058 one-click POST (urlencoded, no cookies) → 200, unsubscribed, no redirect, no cookie', async () => {
      const token = await tokenFor(h, stored, TokenPurpose.Unsubscribe);
      const res = await oneClickUnsubscribe(h, token);
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).toContain('You have been unsubscribed');
      const s = await subscriberRow(h, stored);
      expect(s).toMatchObject({ status: 'unsubscribed' });
      expect(s!.unsubscribed_at).toBeInstanceOf(Date);
      const ev = await h.query(
        "SELECT source FROM subscriber_event WHERE subscriber_id = $1 AND type = 'unsubscribed'",
        [s!.id],
      );
      expect(ev).toEqual([{ source: 'one-click' }]);
    });

    it('one-click again, as multipart/form-data → 200 and idempotent (no second event)', async () => {
      const token = await tokenFor(h, stored, TokenPurpose.Unsubscribe);
      const res = await api().post(`/unsubscribe?token=${token}`).field('List-Unsubscribe', 'One-Click');
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      const s = await subscriberRow(h, stored);
      expect(s!.status).toBe('unsubscribed');
      const ev = await h.query(
        "SELECT 1 FROM subscriber_event WHERE subscriber_id = $1 AND type = 'unsubscribed'",
        [s!.id],
      );
      expect(ev).toHaveLength(1);
    });
  });

  it('one-click as multipart/form-data unsubscribes a confirmed subscriber on its own', async () => {
    const email = 'multipart@example.org';
    await h.query(`INSERT INTO subscriber (email, status, confirmed_at) VALUES ($1, 'confirmed', now())`, [
      email,
    ]);
    const token = await tokenFor(h, email, TokenPurpose.Unsubscribe);
    const res = await api().post(`/unsubscribe?token=${token}`).field('List-Unsubscribe', 'One-Click');
    expect(res.status).toBe(200);
    const s = await subscriberRow(h, email);
    expect(s!.status).toBe('unsubscribed');
    const ev = await h.query(
      "SELECT source FROM subscriber_event WHERE subscriber_id = $1 AND type = 'unsubscribed'",
      [s!.id],
    );
    expect(ev).toEqual([{ source: 'one-click' }]);
  });

  it('unsubscribe tokens never expire', async () => {
    const email = 'old-link@example.org';
    await h.query(`INSERT INTO subscriber (email, status, confirmed_at) VALUES ($1, 'confirmed', now())`, [
      email,
    ]);
    const twoYearsAgo = Math.floor(Date.now() / 1000) - 2 * 365 * 24 * 3600;
    const token = await tokenFor(h, email, TokenPurpose.Unsubscribe, twoYearsAgo);
    const res = await oneClickUnsubscribe(h, token);
    expect(res.status).toBe(200);
    expect((await subscriberRow(h, email))!.status).toBe('unsubscribed');
  });

  describe('no enumeration', () => {
    const addresses = {
      new: 'enum-new@example.org',
      pending: 'enum-pending@example.org',
      confirmed: 'enum-confirmed@example.org',
      unsubscribed: 'enum-unsub@example.org',
    };

    beforeAll(async () => {
      await h.query(
        `INSERT INTO subscriber (email, status, confirmation_sent_at) VALUES ($1, 'pending', now())`,
        [addresses.pending],
      );
      await h.query(`INSERT INTO subscriber (email, status, confirmed_at) VALUES ($1, 'confirmed', now())`, [
        addresses.confirmed,
      ]);
      await h.query(
        `INSERT INTO subscriber (email, status, unsubscribed_at) VALUES ($1, 'unsubscribed', now())`,
        [addresses.unsubscribed],
      );
    });

    it('POST /api/subscriptions answers the same status and body for new, pending, confirmed and unsubscribed', async () => {
      const answers = [];
      for (const email of Object.values(addresses)) {
        const res = await api().post('/api/subscriptions').send({ email });
        answers.push({ status: res.status, body: res.body as unknown });
      }
      expect(answers[0]).toEqual({ status: 202, body: { message: expect.any(String) } });
      for (const a of answers) expect(a).toEqual(answers[0]);
    });

    it('POST /subscribe (form) answers the same page for all four (but for the address it repeats)', async () => {
      const pages = [];
      for (const email of Object.values(addresses)) {
        const res = await api().post('/subscribe').type('form').send({ email, name: '', website: '' });
        // The page repeats the address the reader typed, so a typo shows; nothing else may differ.
        expect(res.text).toContain(`<strong id="sent-to">${email}</strong>`);
        pages.push({ status: res.status, text: res.text.split(email).join('<the address>') });
      }
      expect(pages[0]!.status).toBe(200);
      expect(pages[0]!.text).toContain('Check your inbox');
      for (const p of pages) expect(p).toEqual(pages[0]);
    });

    it('behind the identical answers: new → email; unsubscribed → fresh opt-in; confirmed → nothing', async () => {
      await mail.idle(h);
      expect(h.smtp.to(addresses.new)).toHaveLength(1);
      expect(h.smtp.to(addresses.unsubscribed)).toHaveLength(1);
      expect(h.smtp.to(addresses.confirmed)).toHaveLength(0);
      // pending with a confirmation sent moments ago: inside the 10-minute window
      expect(h.smtp.to(addresses.pending)).toHaveLength(0);
      expect((await subscriberRow(h, addresses.unsubscribed))!.status).toBe('pending');
      expect((await subscriberRow(h, addresses.confirmed))!.status).toBe('confirmed');
      const resub = await h.query(
        "SELECT from_status, to_status FROM subscriber_event e JOIN subscriber s ON s.id = e.subscriber_id WHERE s.email = $1 AND e.type = 'resubscribed'",
        [addresses.unsubscribed],
      );
      expect(resub).toEqual([{ from_status: 'unsubscribed', to_status: 'pending' }]);
      expect(await mail.failed()).toBe(0);
    });
  });

  describe('honeypot', () => {
    it('a filled honeypot is accepted and ignored (JSON and form)', async () => {
      const json = await api()
        .post('/api/subscriptions')
        .send({ email: 'bot1@example.org', website: 'http://spam.example' });
      expect(json.status).toBe(202);
      const normal = await api().post('/api/subscriptions').send({ email: 'human1@example.org' });
      expect(json.body).toEqual(normal.body);
      const form = await api()
        .post('/subscribe')
        .type('form')
        .send({ email: 'bot2@example.org', website: 'http://spam.example' });
      expect(form.status).toBe(200);
      expect(form.text).toContain('Check your inbox');
      expect(await subscriberRow(h, 'bot1@example.org')).toBeUndefined();
      expect(await subscriberRow(h, 'bot2@example.org')).toBeUndefined();
      expect(await subscriberRow(h, 'human1@example.org')).toBeDefined();
    });

    it('the hosted page has a hidden honeypot field and labelled inputs', async () => {
      const res = await api().get('/');
      expect(res.status).toBe(200);
      const page = res.text.replace(/\s+/g, ' ');
      expect(page).toContain('<form class="card" method="post" action="/subscribe">');
      expect(page).toContain('<label for="email">Email address</label>');
      expect(page).toMatch(/<input type="email" id="email" name="email" required/);
      expect(page).toContain('<label for="name">');
      expect(page).toMatch(/<div class="hp" aria-hidden="true">.*name="website" tabindex="-1"/);
    });
  });

  describe('invalid and hostile input', () => {
    it.each([
      ['CRLF header injection', { email: 'a@b.c\r\nBcc: x@y.z' }, /line breaks or control characters/],
      ['a 300-character address', { email: `${'x'.repeat(288)}@example.com` }, /at most 254 characters/],
      ['a Cyrillic look-alike in the local part', { email: 'jоhn@example.com' }, /ASCII/],
      ['a mixed-script look-alike domain', { email: 'john@exаmple.com' }, /different alphabets/],
      ['a right-to-left override', { email: 'john@example.com\u202Egpj' }, /control characters/],
      ['no address', { name: 'Nobody' }, /email is required/],
      ['an array', { email: ['a@example.org', 'b@example.org'] }, /email must be a string/],
      ['a number', { email: 42 }, /email must be a string/],
      ['an object', { email: { $gt: '' } }, /email must be a string/],
      ['not an address', { email: 'not-an-address' }, /name@example.org/],
      ['a name with a line break', { email: 'ok-name@example.org', name: 'A\r\nB' }, /name must not contain/],
      [
        'a name that is not a string',
        { email: 'ok-name2@example.org', name: ['x'] },
        /name must be a string/,
      ],
      ['an unknown field', { email: 'ok3@example.org', admin: true }, /property admin should not exist/],
    ])('%s → 400 with a message, and nothing stored', async (_what, body, message) => {
      const [before] = await h.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber');
      const res = await api().post('/api/subscriptions').send(body);
      expect(res.status).toBe(400);
      const text = [res.body.message].flat().join('; ');
      expect(text).toMatch(message);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
      const [after] = await h.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber');
      expect(after!.n).toBe(before!.n);
    });

    it('malformed JSON → 400, not 500', async () => {
      const res = await api()
        .post('/api/subscriptions')
        .set('Content-Type', 'application/json')
        .send('{"email":');
      expect(res.status).toBe(400);
    });

    it('the form re-renders with the error and the typed values escaped', async () => {
      const res = await api()
        .post('/subscribe')
        .type('form')
        .set('Accept', 'text/html')
        .send({ email: '"><script>alert(1)</script>', name: '<script>alert(2)</script>' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('role="alert"');
      expect(res.text).not.toContain('<script>');
      expect(res.text).toContain('&#60;script&#62;alert(2)&#60;/script&#62;');
      expect(res.text).toContain('&#34;&#62;&#60;script&#62;alert(1)');
    });

    it('a name with <script> is stored as typed and escaped on every page', async () => {
      const email = 'xss-name@example.org';
      await subscribeApi(email, '<script>alert("x")</script>');
      expect((await subscriberRow(h, email))!.name).toBe('<script>alert("x")</script>');
      const token = await tokenFor(h, email, TokenPurpose.Preferences);
      const res = await api().get(`/preferences?token=${token}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>');
      expect(res.text).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    });
  });

  describe('tokens', () => {
    const email = 'tokens@example.org';
    beforeAll(async () => {
      await h.query(`INSERT INTO subscriber (email, status, confirmed_at) VALUES ($1, 'confirmed', now())`, [
        email,
      ]);
    });

    const forge = (t: string) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`;

    it('a forged token → 400 page on every link, and nothing changes', async () => {
      const confirm = forge(await tokenFor(h, email, TokenPurpose.Confirm));
      const unsub = forge(await tokenFor(h, email, TokenPurpose.Unsubscribe));
      const prefs = forge(await tokenFor(h, email, TokenPurpose.Preferences));
      for (const res of [
        await api().get(`/confirm?token=${confirm}`),
        await api().post('/confirm').type('form').send({ token: confirm }),
        await api().get(`/unsubscribe?token=${unsub}`),
        await oneClickUnsubscribe(h, unsub),
        await api().get(`/preferences?token=${prefs}`),
        await api().post('/preferences/erase').type('form').send({ token: prefs, confirm: 'yes' }),
        await api().get('/unsubscribe?token=garbage'),
        await api().get('/unsubscribe'),
        await api().get('/unsubscribe?token=a&token=b'),
      ]) {
        expect(res.status).toBe(400);
        expect(res.text).toContain('This link is not valid');
      }
      expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    });

    it('a token made from the id or the email instead of the random uid does not work', async () => {
      const s = await subscriberRow(h, email);
      const signer = tokenSigner(h);
      const fromId = signer.sign(TokenPurpose.Unsubscribe, String(s!.id).padStart(32, '0'));
      const res = await oneClickUnsubscribe(h, fromId);
      expect(res.status).toBe(404);
      expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    });

    it('cross-purpose tokens are rejected: confirm ≠ unsubscribe ≠ preferences', async () => {
      const confirm = await tokenFor(h, email, TokenPurpose.Confirm);
      const unsub = await tokenFor(h, email, TokenPurpose.Unsubscribe);
      const prefs = await tokenFor(h, email, TokenPurpose.Preferences);
      const refused = [
        await oneClickUnsubscribe(h, confirm),
        await oneClickUnsubscribe(h, prefs),
        await api().get(`/confirm?token=${unsub}`),
        await api().post('/confirm').type('form').send({ token: prefs }),
        await api().get(`/preferences?token=${unsub}`),
        await api().post('/preferences/unsubscribe').type('form').send({ token: confirm }),
      ];
      for (const res of refused) expect(res.status).toBe(400);
      expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    });

    it('an expired confirm link (7 days) → a page offering a new link, which sends one', async () => {
      const address = 'expired@example.org';
      await h.query(
        `INSERT INTO subscriber (email, status, consent_at, confirmation_sent_at)
         VALUES ($1, 'pending', now() - interval '9 days', now() - interval '9 days')`,
        [address],
      );
      const eightDaysAgo = Math.floor(Date.now() / 1000) - 8 * 24 * 3600;
      const token = await tokenFor(h, address, TokenPurpose.Confirm, eightDaysAgo);
      const page = await api().get(`/confirm?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('This confirmation link has expired');
      expect(page.text).toContain('<form method="post" action="/confirm/resend">');
      const post = await api().post('/confirm').type('form').send({ token });
      expect(post.text).toContain('expired');
      expect((await subscriberRow(h, address))!.status).toBe('pending');

      const resend = await api().post('/confirm/resend').type('form').send({ token });
      expect(resend.status).toBe(200);
      expect(resend.text).toContain('Check your inbox');
      await h.waitUntil(() => h.smtp.to(address).length === 1, { what: 'the new confirmation' });
      await confirmViaEmail(address);
      expect((await subscriberRow(h, address))!.status).toBe('confirmed');
    });
  });

  describe('confirmation resend window (per address)', () => {
    it('at most one confirmation per 10 minutes, however often the address is submitted', async () => {
      const email = 'window@example.org';
      await subscribeApi(email);
      await h.waitUntil(() => h.smtp.to(email).length === 1, { what: 'first confirmation' });
      await subscribeApi(email);
      await subscribeApi(email);
      await mail.idle(h);
      expect(h.smtp.to(email)).toHaveLength(1);

      // Ten minutes later (moved back in the database rather than waited for) the next request sends again.
      await h.query(
        "UPDATE subscriber SET confirmation_sent_at = confirmation_sent_at - interval '11 minutes' WHERE email = $1",
        [email],
      );
      await subscribeApi(email);
      await h.waitUntil(() => h.smtp.to(email).length === 2, { what: 'second confirmation' });
      await subscribeApi(email);
      await mail.idle(h);
      expect(h.smtp.to(email)).toHaveLength(2);
    });

    it('a burst of concurrent requests for one address sends exactly one confirmation', async () => {
      const email = 'burst@example.org';
      const answers = await Promise.all(
        Array.from({ length: 15 }, () => api().post('/api/subscriptions').send({ email })),
      );
      for (const a of answers) expect(a.status).toBe(202);
      await mail.idle(h);
      expect(h.smtp.to(email)).toHaveLength(1);
      expect(await h.query('SELECT 1 FROM subscriber WHERE email = $1', [email])).toHaveLength(1);
    });

    it('a confirm link issued before the current sign-up (unsubscribed, then signed up again) does not confirm', async () => {
      const email = 'stale-link@example.org';
      // signed up again an hour ago; the link is from the earlier sign-up, two hours ago (well within 7 days)
      await h.query(
        `INSERT INTO subscriber (email, status, consent_at, confirmation_sent_at)
         VALUES ($1, 'pending', now() - interval '1 hour', now() - interval '1 hour')`,
        [email],
      );
      const twoHoursAgo = Math.floor(Date.now() / 1000) - 2 * 3600;
      const oldToken = await tokenFor(h, email, TokenPurpose.Confirm, twoHoursAgo);
      const res = await api().post('/confirm').type('form').send({ token: oldToken });
      expect(res.status).toBe(200);
      expect(res.text).toContain('This confirmation link has expired');
      expect((await subscriberRow(h, email))!.status).toBe('pending');

      const fresh = await tokenFor(h, email, TokenPurpose.Confirm);
      const ok = await api().post('/confirm').type('form').send({ token: fresh });
      expect(ok.text).toContain('You are subscribed');
      expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    });
  });

  describe('preferences', () => {
    const email = 'prefs@example.org';
    let token = '';

    beforeAll(async () => {
      await subscribeApi(email, 'Pat');
      await confirmViaEmail(email);
      token = await tokenFor(h, email, TokenPurpose.Preferences);
    });

    it('shows the address, name and status, with every action', async () => {
      const res = await api().get(`/preferences?token=${token}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain(email);
      expect(res.text).toContain('value="Pat"');
      for (const action of ['name', 'unsubscribe', 'export', 'erase']) {
        expect(res.text).toContain(`action="/preferences/${action}"`);
      }
    });

    it('changes the name (and refuses a bad one)', async () => {
      const ok = await api().post('/preferences/name').type('form').send({ token, name: 'Patricia' });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('Your name has been saved');
      expect((await subscriberRow(h, email))!.name).toBe('Patricia');
      const bad = await api()
        .post('/preferences/name')
        .type('form')
        .send({ token, name: 'x'.repeat(201) });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('name must be at most 200 characters');
      expect((await subscriberRow(h, email))!.name).toBe('Patricia');
    });

    it('unsubscribes and resubscribes', async () => {
      const un = await api().post('/preferences/unsubscribe').type('form').send({ token });
      expect(un.status).toBe(200);
      expect((await subscriberRow(h, email))!.status).toBe('unsubscribed');
      expect(un.text).toContain('action="/preferences/resubscribe"');
      const re = await api().post('/preferences/resubscribe').type('form').send({ token });
      expect(re.status).toBe(200);
      expect((await subscriberRow(h, email))!.status).toBe('confirmed');
    });

    it('downloads my data as JSON', async () => {
      const res = await api().post('/preferences/export').type('form').send({ token });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['content-disposition']).toMatch(/attachment/);
      const data = JSON.parse(res.text);
      expect(data.subscriber).toMatchObject({ email, name: 'Patricia', status: 'confirmed' });
      expect(data.subscriber.consent.source).toBe('preferences');
      expect(data.history.map((e: { type: string }) => e.type)).toEqual([
        'subscribed',
        'confirmation_sent',
        'confirmed',
        'name_changed',
        'unsubscribed',
        'resubscribed',
      ]);
    });

    it('erase needs the confirmation box', async () => {
      const res = await api().post('/preferences/erase').type('form').send({ token });
      expect(res.status).toBe(400);
      expect((await subscriberRow(h, email))!.email).toBe(email);
    });

    it('erase me: personal data gone, only a hash kept, uid rotated so every old link dies', async () => {
      const before = await subscriberRow(h, email);
      const unsub = await tokenFor(h, email, TokenPurpose.Unsubscribe);
      const res = await api().post('/preferences/erase').type('form').send({ token, confirm: 'yes' });
      expect(res.status).toBe(200);
      expect(res.text).toContain('Your data has been erased');
      expect(res.text).toMatch(/fingerprint of your address/);

      const [after] = await h.query('SELECT * FROM subscriber WHERE id = $1', [before!.id]);
      expect(after).toMatchObject({
        email: null,
        name: null,
        consent_ip: null,
        consent_user_agent: null,
        consent_source: null,
        status: 'unsubscribed',
      });
      expect(after!.erased_at).toBeInstanceOf(Date);
      expect(after!.uid).not.toBe(before!.uid);
      const events = await h.query<{ type: string; ip: string | null }>(
        'SELECT type, ip FROM subscriber_event WHERE subscriber_id = $1',
        [before!.id],
      );
      expect(events).toEqual([{ type: 'erased', ip: null }]);
      expect(await h.query("SELECT 1 FROM suppression WHERE reason = 'erased'")).toHaveLength(1);
      const dump = JSON.stringify(await h.query('SELECT * FROM subscriber_event')) + JSON.stringify(after);
      expect(dump).not.toContain(email);

      for (const dead of [
        await api().get(`/preferences?token=${token}`),
        await api().get(`/unsubscribe?token=${unsub}`),
        await oneClickUnsubscribe(h, unsub),
      ]) {
        expect(dead.status).toBe(404);
        expect(dead.text).toContain('no longer works');
      }
      const admin = await api()
        .get(`/api/admin/subscribers/${before!.id}`)
        .set('Authorization', `Bearer ${h.adminToken}`);
      expect(admin.status).toBe(404);
    });

    it('the erased address can subscribe again itself (double opt-in), as a new subscriber', async () => {
      await subscribeApi(email);
      const s = await subscriberRow(h, email);
      expect(s).toMatchObject({ status: 'pending', name: null });
    });
  });
});
