import { TokenPurpose } from '@app/core';
import request from 'supertest';
import { readerWorld } from './helpers/scenarios';
import { confirmLinks, subscriberRow, tokenFor } from './subscriptions.helpers';

/** The subscriber admin API: list/get/patch/erase, CSV import and export, behind the admin bearer token. */
describe('subscriptions (admin API)', () => {
  const { h, mail, api } = readerWorld();
  const auth = () => ({ Authorization: `Bearer ${h.adminToken}` });
  const importCsv = (csv: string, query = '') =>
    api().post(`/api/admin/subscribers/import${query}`).set(auth()).set('Content-Type', 'text/csv').send(csv);

  it('every route answers 401 without the bearer token', async () => {
    for (const res of [
      await api().get('/api/admin/subscribers'),
      await api().get('/api/admin/subscribers/1'),
      await api().patch('/api/admin/subscribers/1').send({ name: 'x' }),
      await api().delete('/api/admin/subscribers/1'),
      await api()
        .post('/api/admin/subscribers/import')
        .set('Content-Type', 'text/csv')
        .send('email\na@b.cd\n'),
      await api().get('/api/admin/subscribers/export'),
      await api().get('/api/admin/subscribers').set('Authorization', 'Bearer wrong-token-wrong-token'),
    ]) {
      expect(res.status).toBe(401);
    }
    expect(await h.query("SELECT 1 FROM subscriber WHERE email = 'a@b.cd'")).toEqual([]);
  });

  it('the admin routes and the JSON subscribe endpoint are in the OpenAPI document', async () => {
    const res = await api().get('/api/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { tags?: string[] }>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/subscriptions',
        '/api/admin/subscribers',
        '/api/admin/subscribers/{id}',
        '/api/admin/subscribers/import',
        '/api/admin/subscribers/export',
      ]),
    );
    expect(paths['/api/admin/subscribers']!.get!.tags).toEqual(['subscribers']);
  });

  describe('CSV import', () => {
    const csv = [
      'Email,Name,Company', // header: case-insensitive, extra columns ignored
      'ada@example.org,Ada Lovelace,Analytical',
      'not-an-email,Bad Row,X',
      'grace@EXAMPLE.org,"Hopper, Grace",Navy',
      ',No Address,Y',
      '"evil@example.org\r\nBcc: x@y.z",Injector,Z',
      '',
      'ADA@example.org,Duplicate Of Line 2,Q',
      `long@example.org,${'n'.repeat(201)},R`,
      'linus@example.org,,S',
    ].join('\n');

    it('imports valid rows and reports the others by line and reason', async () => {
      const res = await importCsv(csv);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        rows: 8,
        imported: 3,
        existing: 1, // the second ADA (case-insensitive duplicate)
        invalid: 4,
        suppressed: 0,
        optInQueued: 0,
        rejectedTruncated: false,
      });
      expect(res.body.rejected).toEqual([
        { line: 3, reason: expect.stringMatching(/name@example.org/) },
        { line: 5, reason: 'email is required' },
        { line: 6, reason: expect.stringMatching(/line breaks or control characters/) }, // starts on 6, ends on 7
        { line: 10, reason: 'name must be at most 200 characters' },
      ]);
      const rows = await h.query<{
        email: string;
        name: string | null;
        status: string;
        consent_source: string;
      }>('SELECT email, name, status, consent_source FROM subscriber ORDER BY id');
      expect(rows).toEqual([
        { email: 'ada@example.org', name: 'Ada Lovelace', status: 'pending', consent_source: 'import' },
        { email: 'grace@example.org', name: 'Hopper, Grace', status: 'pending', consent_source: 'import' },
        { email: 'linus@example.org', name: null, status: 'pending', consent_source: 'import' },
      ]);
      const events = await h.query<{ type: string; n: number }>(
        'SELECT type, count(*)::int AS n FROM subscriber_event GROUP BY type',
      );
      expect(events).toEqual([{ type: 'imported', n: 3 }]);
      // no opt-in asked for: nothing queued
      await mail.idle(h);
      expect(h.smtp.messages).toHaveLength(0);
    });

    it('re-importing the same file changes nothing', async () => {
      const before = await h.query('SELECT * FROM subscriber ORDER BY id');
      const eventsBefore = await h.query('SELECT * FROM subscriber_event ORDER BY id');
      const res = await importCsv(csv);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ rows: 8, imported: 0, existing: 4, invalid: 4 });
      expect(await h.query('SELECT * FROM subscriber ORDER BY id')).toEqual(before);
      expect(await h.query('SELECT * FROM subscriber_event ORDER BY id')).toEqual(eventsBefore);
    });

    it('?consent=confirmed imports as confirmed, the admin asserting prior consent', async () => {
      const res = await importCsv('email,name\nconsented@example.org,Con Sent\n', '?consent=confirmed');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 1 });
      const s = await subscriberRow(h, 'consented@example.org');
      expect(s).toMatchObject({ status: 'confirmed', consent_source: 'import' });
      expect(s!.confirmed_at).toBeInstanceOf(Date);
      const [ev] = await h.query(
        'SELECT type, to_status, detail FROM subscriber_event WHERE subscriber_id = $1',
        [s!.id],
      );
      expect(ev).toEqual({ type: 'imported', to_status: 'confirmed', detail: 'consent asserted by admin' });
    });

    it('?sendOptIn=true sends each new pending subscriber the double opt-in (and a re-import sends nothing)', async () => {
      const file = 'email\noptin1@example.org\noptin2@example.org\nada@example.org\n';
      const res = await importCsv(file, '?sendOptIn=true');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 2, existing: 1, optInQueued: 2 });
      await mail.idle(h);
      expect(h.smtp.to('optin1@example.org')).toHaveLength(1);
      expect(h.smtp.to('optin2@example.org')).toHaveLength(1);
      expect(h.smtp.to('ada@example.org')).toHaveLength(0);

      const link = confirmLinks(h.smtp.to('optin1@example.org')[0]!).text!;
      const confirm = await api()
        .post('/confirm')
        .type('form')
        .send({ token: new URL(link).searchParams.get('token') });
      expect(confirm.status).toBe(200);
      expect((await subscriberRow(h, 'optin1@example.org'))!.status).toBe('confirmed');

      const again = await importCsv(file, '?sendOptIn=true');
      expect(again.body).toMatchObject({ imported: 0, existing: 3, optInQueued: 0 });
      await mail.idle(h);
      expect(h.smtp.to('optin2@example.org')).toHaveLength(1);
      expect(await mail.failed()).toBe(0);
    });

    it('streams several batches (12,345 rows) into the right counts', async () => {
      const lines = ['email,name'];
      for (let i = 0; i < 12345; i++) lines.push(`bulk${i}@bulk.example.org,Bulk ${i}`);
      lines.push('broken-row,Broken');
      const res = await importCsv(lines.join('\n'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ rows: 12346, imported: 12345, invalid: 1 });
      expect(res.body.rejected).toEqual([{ line: 12347, reason: expect.any(String) }]);
      const [n] = await h.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM subscriber WHERE email LIKE '%@bulk.example.org'",
      );
      expect(n!.n).toBe(12345);
    });

    it.each([
      ['a content type other than text/csv', 'application/json', '{"email":"x@y.zz"}', '', 415, /text\/csv/],
      ['no email column', 'text/csv', 'address,name\nx@y.zz,X\n', '', 400, /"email" column/],
      ['an empty body', 'text/csv', '', '', 400, /empty/],
      ['only blank lines', 'text/csv', '\r\n\n\n', '', 400, /empty/],
      ['an unclosed quote', 'text/csv', 'email,name\n"x@y.zz,X\n', '', 400, /CSV error at line/],
      ['a bad consent value', 'text/csv', 'email\nx@y.zz\n', '?consent=maybe', 400, /consent must be/],
      [
        'opt-in with confirmed consent',
        'text/csv',
        'email\nx@y.zz\n',
        '?consent=confirmed&sendOptIn=true',
        400,
        /sendOptIn/,
      ],
    ])('refuses %s with a clear message', async (_what, type, body, query, status, message) => {
      const res = await api()
        .post(`/api/admin/subscribers/import${query}`)
        .set(auth())
        .set('Content-Type', type)
        .send(body);
      expect(res.status).toBe(status);
      expect([res.body.message].flat().join('; ')).toMatch(message);
      expect(await subscriberRow(h, 'x@y.zz')).toBeUndefined();
    });
  });

  describe('CSV import mode=suppress (issue 13)', () => {
    const hashes = () =>
      h.query<{ email_hash: string; reason: string }>(
        "SELECT email_hash, reason FROM suppression WHERE reason = 'import' ORDER BY email_hash",
      );

    it('blocks the addresses: subscribers become unsubscribed, unknown ones are suppressed as hashes only', async () => {
      expect((await importCsv('email\nsup-confirmed@example.org\n', '?consent=confirmed')).status).toBe(200);
      expect((await importCsv('email\nsup-pending@example.org\nsup-bounced@example.org\n')).status).toBe(200);
      await h.query("UPDATE subscriber SET status = 'bounced' WHERE email = 'sup-bounced@example.org'");
      const file = [
        'email,name',
        'SUP-Confirmed@example.org,Whatever',
        'sup-pending@example.org,',
        'sup-bounced@example.org,',
        'gone-elsewhere@example.org,' + 'n'.repeat(300), // a name is not kept, so not checked either
        'not-an-address,X',
        'Gone-Elsewhere@example.org,Repeated',
        'never-here@example.org,',
      ].join('\n');
      const res = await importCsv(file, '?mode=suppress');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        mode: 'suppress',
        rows: 7,
        imported: 0,
        unsubscribed: 2,
        addedToSuppression: 2,
        suppressed: 0,
        existing: 2, // the bounced subscriber, and the repeated line
        invalid: 1,
        optInQueued: 0,
      });
      expect(res.body.rejected).toEqual([{ line: 6, reason: expect.any(String) }]);

      for (const email of ['sup-confirmed@example.org', 'sup-pending@example.org']) {
        const s = await subscriberRow(h, email);
        expect(s).toMatchObject({ status: 'unsubscribed' });
        const events = await h.query(
          `SELECT type, from_status, to_status, source FROM subscriber_event
            WHERE subscriber_id = $1 AND type = 'unsubscribed'`,
          [s!.id],
        );
        expect(events).toEqual([
          {
            type: 'unsubscribed',
            from_status: email.includes('pending') ? 'pending' : 'confirmed',
            to_status: 'unsubscribed',
            source: 'import',
          },
        ]);
      }
      expect(await subscriberRow(h, 'sup-bounced@example.org')).toMatchObject({ status: 'bounced' });
      // unknown addresses are not subscribers, and the list holds keyed hashes, not the addresses
      expect(await subscriberRow(h, 'gone-elsewhere@example.org')).toBeUndefined();
      expect(await subscriberRow(h, 'never-here@example.org')).toBeUndefined();
      const listed = await hashes();
      expect(listed).toHaveLength(2);
      for (const r of listed) expect(r.email_hash).toMatch(/^[0-9a-f]{64}$/);
      const [clear] = await h.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM suppression WHERE email_hash ILIKE '%gone-elsewhere%'",
      );
      expect(clear!.n).toBe(0);

      // the same file again changes nothing
      const again = await importCsv(file, '?mode=suppress');
      expect(again.body).toMatchObject({
        unsubscribed: 0,
        addedToSuppression: 0,
        suppressed: 2,
        existing: 4,
      });
      expect(await hashes()).toEqual(listed);

      // a later import of a suppressed address is refused like an erased one; others go in
      const later = await importCsv('email,name\nGONE-elsewhere@example.org,Back\nfresh-sup@example.org,F\n');
      expect(later.status).toBe(200);
      expect(later.body).toMatchObject({ mode: 'subscribe', imported: 1, suppressed: 1 });
      expect(later.body.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/suppression list/) }]);
      expect(await subscriberRow(h, 'gone-elsewhere@example.org')).toBeUndefined();
    });

    it.each([
      ['an unknown mode', '?mode=delete', /mode must be/],
      ['consent=confirmed with mode=suppress', '?mode=suppress&consent=confirmed', /mode=subscribe/],
      ['sendOptIn with mode=suppress', '?mode=suppress&sendOptIn=true', /mode=subscribe/],
    ])('refuses %s with a clear message and changes nothing', async (_what, query, message) => {
      const before = await hashes();
      const res = await importCsv('email\nrefused-sup@example.org\n', query);
      expect(res.status).toBe(400);
      expect([res.body.message].flat().join('; ')).toMatch(message);
      expect(await subscriberRow(h, 'refused-sup@example.org')).toBeUndefined();
      expect(await hashes()).toEqual(before);
    });
  });

  describe('list, get, patch', () => {
    it('pages through subscribers newest first with nextCursor (keyset), no duplicates, no gaps', async () => {
      const [total] = await h.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM subscriber WHERE erased_at IS NULL',
      );
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await api()
          .get('/api/admin/subscribers')
          .query({ limit: 500, ...(cursor ? { cursor } : {}) })
          .set(auth());
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { id: number }) => i.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(total!.n / 500));
      expect(new Set(seen).size).toBe(total!.n);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
    });

    it('items are DTOs with the documented fields (no internals such as uid)', async () => {
      const res = await api().get('/api/admin/subscribers').query({ email: 'ADA@example.org' }).set(auth());
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
      const item = res.body.items[0];
      expect(item).toMatchObject({ email: 'ada@example.org', name: 'Ada Lovelace', status: 'pending' });
      expect(Object.keys(item).sort()).toEqual(
        [
          'id',
          'email',
          'name',
          'status',
          'consentSource',
          'consentAt',
          'confirmedAt',
          'unsubscribedAt',
          'createdAt',
          'updatedAt',
        ].sort(),
      );
      expect(res.body.nextCursor).toBeNull();
    });

    it('filters by status and searches address and name', async () => {
      const confirmed = await api().get('/api/admin/subscribers').query({ status: 'confirmed' }).set(auth());
      expect(confirmed.body.items.map((i: { email: string }) => i.email).sort()).toEqual([
        'consented@example.org',
        'optin1@example.org',
      ]);
      const byName = await api().get('/api/admin/subscribers').query({ search: 'hopper' }).set(auth());
      expect(byName.body.items.map((i: { email: string }) => i.email)).toEqual(['grace@example.org']);
      const wildcard = await api().get('/api/admin/subscribers').query({ search: '%' }).set(auth());
      expect(wildcard.body.items).toEqual([]);
    });

    it('small pages link up with nextCursor', async () => {
      const first = await api()
        .get('/api/admin/subscribers')
        .query({ search: 'optin', limit: 1 })
        .set(auth());
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api()
        .get('/api/admin/subscribers')
        .query({ search: 'optin', limit: 1, cursor: first.body.nextCursor })
        .set(auth());
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0].id).toBeLessThan(first.body.items[0].id);
      expect(second.body.nextCursor).toBeNull();
    });

    it.each([
      [{ status: 'gone' }, /status must be one of/],
      [{ limit: 0 }, /limit/],
      [{ limit: 'ten' }, /limit must be an integer/],
      [{ cursor: 'bm9wZQ' }, /cursor is invalid/],
      [{ other: 1 }, /property other should not exist/],
    ])('refuses the query %j with 400', async (query, message) => {
      const res = await api().get('/api/admin/subscribers').query(query).set(auth());
      expect(res.status).toBe(400);
      expect([res.body.message].flat().join('; ')).toMatch(message);
    });

    it('GET /:id has consent evidence and history; unknown ids are 404, non-numeric 400', async () => {
      const s = await subscriberRow(h, 'optin1@example.org');
      const res = await api().get(`/api/admin/subscribers/${s!.id}`).set(auth());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: s!.id, email: 'optin1@example.org', status: 'confirmed' });
      expect(res.body.events.map((e: { type: string }) => e.type)).toEqual([
        'confirmed',
        'confirmation_sent',
        'imported',
      ]);
      expect(res.body.uid).toBeUndefined();
      expect((await api().get('/api/admin/subscribers/999999').set(auth())).status).toBe(404);
      expect((await api().get('/api/admin/subscribers/99999999999').set(auth())).status).toBe(404);
      expect((await api().get('/api/admin/subscribers/abc').set(auth())).status).toBe(400);
    });

    it('PATCH changes name and status, recording who did it', async () => {
      const s = await subscriberRow(h, 'grace@example.org');
      const res = await api()
        .patch(`/api/admin/subscribers/${s!.id}`)
        .set(auth())
        .send({ name: 'Grace Hopper', status: 'unsubscribed' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Grace Hopper', status: 'unsubscribed' });
      const after = await subscriberRow(h, 'grace@example.org');
      expect(after!.unsubscribed_at).toBeInstanceOf(Date);
      const ev = await h.query(
        'SELECT type, from_status, to_status, source FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id',
        [s!.id],
      );
      expect(ev.slice(-2)).toEqual([
        { type: 'name_changed', from_status: null, to_status: null, source: 'admin' },
        { type: 'status_changed', from_status: 'pending', to_status: 'unsubscribed', source: 'admin' },
      ]);
    });

    it.each([
      ['an unknown status', { status: 'deleted' }, /status must be one of/],
      ['a numeric name', { name: 5 }, /name must be a string/],
      ['a 201-character name', { name: 'x'.repeat(201) }, /at most 200/],
      ['an email change', { email: 'new@example.org' }, /property email should not exist/],
    ])('PATCH refuses %s with 400', async (_what, body, message) => {
      const s = await subscriberRow(h, 'linus@example.org');
      const res = await api().patch(`/api/admin/subscribers/${s!.id}`).set(auth()).send(body);
      expect(res.status).toBe(400);
      expect([res.body.message].flat().join('; ')).toMatch(message);
      expect(await subscriberRow(h, 'linus@example.org')).toMatchObject({ name: null, status: 'pending' });
    });
  });

  describe('export', () => {
    it('streams CSV with a header, every subscriber and spreadsheet-safe cells', async () => {
      await importCsv(
        'email,name\nformula@example.org,"=HYPERLINK(""http://evil""),""x"""\n',
        '?consent=confirmed',
      );
      const res = await api().get('/api/admin/subscribers/export').set(auth()).buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(
        /attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"/,
      );
      const lines = res.text.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'id,email,name,status,consent_at,consent_source,confirmed_at,unsubscribed_at,created_at',
      );
      const [n] = await h.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM subscriber WHERE erased_at IS NULL',
      );
      expect(lines).toHaveLength(n!.n + 1);
      expect(lines).toContainEqual(expect.stringMatching(/,grace@example\.org,Grace Hopper,unsubscribed,/));
      expect(lines).toContainEqual(expect.stringMatching(/^\d+,ada@example\.org,Ada Lovelace,pending,/));
      const formula = lines.find((l) => l.includes('formula@example.org'))!;
      expect(formula).toContain(`,"'=HYPERLINK(""http://evil""),""x""",confirmed,`);
    });

    it('filters the export by status', async () => {
      const res = await api()
        .get('/api/admin/subscribers/export')
        .query({ status: 'unsubscribed' })
        .set(auth());
      const lines = res.text.trimEnd().split('\r\n').slice(1);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l.split(',')[3]).toBe('unsubscribed');
    });
  });

  describe('erase', () => {
    it('DELETE erases: personal data gone, old links dead, and a re-import of the address is refused', async () => {
      const s = await subscriberRow(h, 'ada@example.org');
      const prefs = await tokenFor(h, 'ada@example.org', TokenPurpose.Preferences);
      const res = await api().delete(`/api/admin/subscribers/${s!.id}`).set(auth());
      expect(res.status).toBe(204);
      const [row] = await h.query(
        'SELECT email, name, consent_ip, erased_at, uid FROM subscriber WHERE id = $1',
        [s!.id],
      );
      expect(row).toMatchObject({ email: null, name: null, consent_ip: null });
      expect(row!.uid).not.toBe(s!.uid);
      expect((await api().get(`/preferences?token=${prefs}`)).status).toBe(404);
      expect((await api().get(`/api/admin/subscribers/${s!.id}`).set(auth())).status).toBe(404);
      expect((await api().delete(`/api/admin/subscribers/${s!.id}`).set(auth())).status).toBe(404);

      const again = await importCsv('email,name\nADA@example.org,Ada again\nnewcomer@example.org,New\n');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ imported: 1, suppressed: 1 });
      expect(again.body.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/erased/) }]);
      expect(await subscriberRow(h, 'ada@example.org')).toBeUndefined();

      const exported = await api().get('/api/admin/subscribers/export').set(auth());
      expect(exported.text).not.toContain('ada@example.org');
    });
  });
});
