import http from 'node:http';
import type request from 'supertest';
import type { ConsoleSession } from './helpers/console-session';
import { decode, FUZZ, HOSTILE, HOSTILE_ESCAPED, misbehaves, pct } from './helpers/console-fuzz';
import { consoleWorld } from './helpers/scenarios';

type Session = Pick<ConsoleSession, 'cookie' | 'csrf'>;

/** The console's subscriber pages: search, one subscriber, status/name/erase, CSV import and export. */

describe('console: subscribers', () => {
  const { h, api, sessions, get, post } = consoleWorld({ roles: ['admin', 'editor', 'ops'] });
  const importApi = (csv: string, query = '') =>
    api()
      .post(`/api/admin/subscribers/import${query}`)
      .auth(h.adminToken, { type: 'bearer' })
      .set('Content-Type', 'text/csv')
      .send(csv);
  const idOf = async (email: string) =>
    (await h.query<{ id: number }>('SELECT id FROM subscriber WHERE email = $1', [email]))[0]!.id;

  beforeAll(async () => {
    const rows = ['email,name', `hostile@example.org,${HOSTILE}`, 'ada@example.org,Ada Lovelace'];
    for (let i = 0; i < 60; i++) rows.push(`bulk${String(i).padStart(2, '0')}@example.org,Bulk ${i}`);
    const res = await importApi(`${rows.join('\n')}\n`);
    expect(res.body).toMatchObject({ imported: 62 });
    await importApi('email,name\ngrace@example.org,Grace Hopper\n', '?consent=confirmed');
  });

  describe('list', () => {
    it('sends a signed-out browser to the login page', async () => {
      const res = await api().get('/admin/subscribers').set('Accept', 'text/html');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fsubscribers');
    });

    it('lists subscribers newest first with names escaped, for every role', async () => {
      for (const s of [sessions.admin, sessions.editor, sessions.ops]) {
        const res = await get(s, '/admin/subscribers');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toContain('grace@example.org');
        expect(res.text.indexOf('grace@example.org')).toBeLessThan(res.text.indexOf('bulk59@example.org'));
      }
      // ops may look but not import
      expect((await get(sessions.editor, '/admin/subscribers')).text).toContain(
        'href="/admin/subscribers/import"',
      );
      expect((await get(sessions.ops, '/admin/subscribers')).text).not.toContain(
        'href="/admin/subscribers/import"',
      );
    });

    it('searches email and name and filters by status', async () => {
      const hostile = await get(sessions.ops, '/admin/subscribers?q=hostile');
      expect(hostile.text).toContain(HOSTILE_ESCAPED);
      expect(hostile.text).not.toContain(HOSTILE);
      const byName = await get(sessions.ops, '/admin/subscribers?q=lovelace');
      expect(byName.status).toBe(200);
      expect(byName.text).toContain('ada@example.org');
      expect(byName.text).not.toContain('grace@example.org');
      const confirmed = await get(sessions.ops, '/admin/subscribers?status=confirmed');
      expect(confirmed.text).toContain('grace@example.org');
      expect(confirmed.text).not.toContain('ada@example.org');
      expect(confirmed.text).toMatch(/<option value="confirmed"\s+selected/);
      const none = await get(sessions.ops, `/admin/subscribers?q=${encodeURIComponent(HOSTILE)}`);
      expect(none.text).toContain('value="&#60;script&#62;alert(1)&#60;/script&#62;"');
      expect(none.text).not.toContain(HOSTILE);
    });

    it('pages with "Next page" through every subscriber once', async () => {
      const seen: string[] = [];
      let path: string | undefined = '/admin/subscribers';
      let pages = 0;
      while (path) {
        const res = await get(sessions.editor, path);
        expect(res.status).toBe(200);
        pages++;
        seen.push(
          ...[...res.text.matchAll(/<a href="\/admin\/subscribers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]!),
        );
        const next = /<a class="button secondary" rel="next" href="([^"]+)"/.exec(res.text)?.[1];
        path = next === undefined ? undefined : decode(next);
      }
      expect(pages).toBe(2);
      expect(seen).toHaveLength(63);
      expect(new Set(seen).size).toBe(63);
    });

    it('refuses a bad status or cursor with 400 and a message', async () => {
      const status = await get(sessions.ops, '/admin/subscribers?status=nonsense');
      expect(status.status).toBe(400);
      expect(status.text).toContain(
        'status must be one of: pending, confirmed, unsubscribed, bounced, complained',
      );
      expect(status.text).toContain('role="alert"');
      const cursor = await get(sessions.ops, '/admin/subscribers?cursor=zzz');
      expect(cursor.status).toBe(400);
      expect(cursor.text).toContain('cursor is invalid');
      const twice = await get(sessions.ops, '/admin/subscribers?status=pending&status=confirmed');
      expect(twice.status).toBe(400);
      const nul = await get(sessions.ops, '/admin/subscribers?q=a%00b');
      expect(nul.status).toBe(400);
      expect(nul.text).toContain('search must not contain control characters');
    });
  });

  describe('one subscriber', () => {
    it('shows fields, consent evidence and history; ops see no forms', async () => {
      const id = await idOf('grace@example.org');
      const res = await get(sessions.editor, `/admin/subscribers/${id}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Consent evidence');
      expect(res.text).toContain('id="history"');
      expect(res.text).toContain('imported');
      expect(res.text).toContain('consent asserted by admin');
      expect(res.text).toContain('action="/admin/subscribers/' + id + '/status"');
      const ops = await get(sessions.ops, `/admin/subscribers/${id}`);
      expect(ops.status).toBe(200);
      expect(ops.text).not.toContain('/status"');
      expect(ops.text).not.toContain('/erase"');
    });

    it('answers 404 for an unknown id, 400 for a malformed one', async () => {
      for (const path of ['/admin/subscribers/999999', '/admin/subscribers/99999999999']) {
        const res = await get(sessions.ops, path);
        expect(res.status).toBe(404);
        expect(res.text).toContain('not found');
      }
      const malformed = await get(sessions.ops, '/admin/subscribers/abc');
      expect(malformed.status).toBe(400);
      expect(malformed.text).toContain('numeric string is expected');
    });

    it('changes the status (editor), recorded with the admin as source', async () => {
      const id = await idOf('ada@example.org');
      const res = await post(sessions.editor, `/admin/subscribers/${id}/status`, { status: 'unsubscribed' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/subscribers/${id}?notice=status-changed`);
      const [row] = await h.query('SELECT status, unsubscribed_at FROM subscriber WHERE id = $1', [id]);
      expect(row).toMatchObject({ status: 'unsubscribed' });
      expect(row!.unsubscribed_at).not.toBeNull();
      const [ev] = await h.query(
        "SELECT from_status, to_status, source FROM subscriber_event WHERE subscriber_id = $1 AND type = 'status_changed'",
        [id],
      );
      expect(ev).toEqual({ from_status: 'pending', to_status: 'unsubscribed', source: 'admin' });
      const page = await get(sessions.editor, res.headers.location!);
      expect(page.text).toContain('Status changed.');
      expect(page.text).toContain('pending → unsubscribed');
    });

    it('refuses a bad status with 400 next to the form', async () => {
      const id = await idOf('ada@example.org');
      const res = await post(sessions.editor, `/admin/subscribers/${id}/status`, { status: 'vip' });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/id="status-error" role="alert">status must be one of/);
      expect((await h.query('SELECT status FROM subscriber WHERE id = $1', [id]))[0]).toEqual({
        status: 'unsubscribed',
      });
    });

    it('edits the name, escaping it on the page; a bad name is refused and kept in the field', async () => {
      const id = await idOf('bulk01@example.org');
      const res = await post(sessions.admin, `/admin/subscribers/${id}/name`, { name: `  ${HOSTILE}  ` });
      expect(res.status).toBe(303);
      expect((await h.query('SELECT name FROM subscriber WHERE id = $1', [id]))[0]).toEqual({
        name: HOSTILE,
      });
      const page = await get(sessions.admin, `/admin/subscribers/${id}`);
      expect(page.text).toContain(HOSTILE_ESCAPED);
      expect(page.text).not.toContain(HOSTILE);
      expect(page.text).toContain('name_changed');

      const long = `<i>${'x'.repeat(200)}</i>`;
      const bad = await post(sessions.admin, `/admin/subscribers/${id}/name`, { name: long });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('name must be at most 200 characters');
      expect(bad.text).toContain('value="&#60;i&#62;xxx');
      expect((await h.query('SELECT name FROM subscriber WHERE id = $1', [id]))[0]).toEqual({
        name: HOSTILE,
      });

      const nul = await post(sessions.admin, `/admin/subscribers/${id}/name`, { name: 'a\u0000b' });
      expect(nul.status).toBe(400);
      expect(nul.text).toContain('must not contain control characters');

      const cleared = await post(sessions.admin, `/admin/subscribers/${id}/name`, { name: '' });
      expect(cleared.status).toBe(303);
      expect((await h.query('SELECT name FROM subscriber WHERE id = $1', [id]))[0]).toEqual({ name: null });
    });

    it('ops cannot change status, name or erase (403); nothing changes', async () => {
      const id = await idOf('bulk02@example.org');
      for (const [path, form] of [
        [`/admin/subscribers/${id}/status`, { status: 'confirmed' }],
        [`/admin/subscribers/${id}/name`, { name: 'Ops Was Here' }],
        [`/admin/subscribers/${id}/erase`, { confirm: 'yes' }],
      ] as const) {
        const res = await post(sessions.ops, path, form);
        expect(res.status).toBe(403);
      }
      expect(
        (await h.query('SELECT status, name, erased_at FROM subscriber WHERE id = $1', [id]))[0],
      ).toEqual({
        status: 'pending',
        name: 'Bulk 2',
        erased_at: null,
      });
    });

    it('refuses a change without the CSRF token (403)', async () => {
      const id = await idOf('bulk03@example.org');
      const res = await post(
        sessions.editor,
        `/admin/subscribers/${id}/status`,
        { status: 'confirmed' },
        false,
      );
      expect(res.status).toBe(403);
      const wrong = await post(
        sessions.editor,
        `/admin/subscribers/${id}/erase`,
        {
          confirm: 'yes',
          _csrf: 'x'.repeat(43),
        },
        false,
      );
      expect(wrong.status).toBe(403);
      expect((await h.query('SELECT status, erased_at FROM subscriber WHERE id = $1', [id]))[0]).toEqual({
        status: 'pending',
        erased_at: null,
      });
    });

    it('erases only with the confirmation box ticked, then the subscriber is gone', async () => {
      const id = await idOf('bulk04@example.org');
      const unconfirmed = await post(sessions.editor, `/admin/subscribers/${id}/erase`, {});
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.text).toContain('Tick the box to confirm the erasure');
      expect((await h.query('SELECT erased_at FROM subscriber WHERE id = $1', [id]))[0]).toEqual({
        erased_at: null,
      });

      const res = await post(sessions.editor, `/admin/subscribers/${id}/erase`, { confirm: 'yes' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/subscribers?notice=erased');
      const [row] = await h.query('SELECT email, name, erased_at FROM subscriber WHERE id = $1', [id]);
      expect(row).toMatchObject({ email: null, name: null });
      expect(row!.erased_at).not.toBeNull();
      const list = await get(sessions.editor, res.headers.location!);
      expect(list.text).toContain('The subscriber was erased');
      expect(list.text).not.toContain('bulk04@example.org');
      expect((await get(sessions.editor, `/admin/subscribers/${id}`)).status).toBe(404);
      expect((await post(sessions.editor, `/admin/subscribers/${id}/erase`, { confirm: 'yes' })).status).toBe(
        404,
      );
    });
  });

  describe('CSV import', () => {
    const upload = (s: Session, csrf: string | null = s.csrf) =>
      api()
        .post(`/admin/subscribers/import${csrf === null ? '' : `?_csrf=${encodeURIComponent(csrf)}`}`)
        .set('Cookie', s.cookie)
        .set('Accept', 'text/html');
    const count = (text: string, id: string) => Number(new RegExp(`id="${id}">(\\d+)<`).exec(text)?.[1]);

    it('shows the form to editors (file input, options, CSRF in the action), not to ops', async () => {
      const res = await get(sessions.editor, '/admin/subscribers/import');
      expect(res.status).toBe(200);
      expect(res.text).toContain('id="csv"');
      expect(res.text).toContain('enctype="multipart/form-data"');
      expect(decode(res.text)).toContain(`action="/admin/subscribers/import?_csrf=${sessions.editor.csrf}"`);
      expect(res.text).toContain('id="consent"');
      expect(res.text).toContain('id="sendOptIn"');
      expect((await get(sessions.ops, '/admin/subscribers/import')).status).toBe(403);
    });

    it('imports a file and reports counts and rejected lines', async () => {
      const csv = [
        'Email,Name',
        'new1@example.org,New One',
        'not-an-address,Broken',
        'ada@example.org,Already There',
        `new2@example.org,${HOSTILE}`,
        '',
        'new3@example.org,"Line\nbreak"',
      ].join('\r\n');
      const res = await upload(sessions.editor)
        .field('consent', 'confirmed')
        .attach('csv', Buffer.from(csv), { filename: 'members.csv', contentType: 'text/csv' });
      expect(res.status).toBe(200);
      expect(count(res.text, 'count-rows')).toBe(5);
      expect(count(res.text, 'count-imported')).toBe(2);
      expect(count(res.text, 'count-existing')).toBe(1);
      expect(count(res.text, 'count-invalid')).toBe(2);
      expect(count(res.text, 'count-optin')).toBe(0);
      const rejected = [...res.text.matchAll(/<td class="num">(\d+)<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => [
        Number(m[1]),
        m[2],
      ]);
      expect(rejected.map((r) => r[0])).toEqual([3, 7]);
      expect(rejected[1]![1]).toContain('line breaks');
      const rows = await h.query(
        "SELECT email, name, status, consent_source FROM subscriber WHERE email LIKE 'new%' ORDER BY email",
      );
      expect(rows).toEqual([
        {
          email: 'new1@example.org',
          name: 'New One',
          status: 'confirmed',
          consent_source: 'import:members.csv',
        },
        {
          email: 'new2@example.org',
          name: HOSTILE,
          status: 'confirmed',
          consent_source: 'import:members.csv',
        },
      ]);
      const again = await upload(sessions.editor).attach('csv', Buffer.from(csv), {
        filename: 'members.csv',
        contentType: 'text/csv',
      });
      expect(count(again.text, 'count-imported')).toBe(0);
      expect(count(again.text, 'count-existing')).toBe(3);
    });

    it('queues the opt-in email for pending imports when asked', async () => {
      const res = await upload(sessions.admin)
        .field('sendOptIn', 'true')
        .attach('csv', Buffer.from('email\noptin1@example.org\noptin2@example.org\n'), {
          filename: 'optin.csv',
          contentType: 'application/vnd.ms-excel',
        });
      expect(res.status).toBe(200);
      expect(count(res.text, 'count-imported')).toBe(2);
      expect(count(res.text, 'count-optin')).toBe(2);
      const rows = await h.query(
        "SELECT status, confirmation_sent_at IS NOT NULL AS sent FROM subscriber WHERE email LIKE 'optin%'",
      );
      expect(rows).toEqual([
        { status: 'pending', sent: true },
        { status: 'pending', sent: true },
      ]);
    });

    it('mode=suppress blocks the addresses and reports its own counts (issue 13)', async () => {
      await importApi('email\nblock-me@example.org\n', '?consent=confirmed');
      const form = await get(sessions.editor, '/admin/subscribers/import');
      expect(form.text).toMatch(/id="mode-subscribe"[^>]*checked/);
      expect(form.text).toContain('id="mode-suppress"');
      const csv = 'email,name\nblock-me@example.org,\nnever-subscribed@example.org,\nbroken-line,\n';
      const res = await upload(sessions.editor).field('mode', 'suppress').attach('csv', Buffer.from(csv), {
        filename: 'old-provider-unsubscribes.csv',
        contentType: 'text/csv',
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('Suppress import report');
      expect(count(res.text, 'count-rows')).toBe(3);
      expect(count(res.text, 'count-unsubscribed')).toBe(1);
      expect(count(res.text, 'count-added')).toBe(1);
      expect(count(res.text, 'count-invalid')).toBe(1);
      const [row] = await h.query<{ id: number; status: string }>(
        "SELECT id, status FROM subscriber WHERE email = 'block-me@example.org'",
      );
      expect(row!.status).toBe('unsubscribed');
      const events = await h.query(
        "SELECT source FROM subscriber_event WHERE subscriber_id = $1 AND type = 'unsubscribed'",
        [row!.id],
      );
      expect(events).toEqual([{ source: 'import:old-provider-unsubscribes.csv' }]);
      expect(await h.query("SELECT 1 FROM subscriber WHERE email = 'never-subscribed@example.org'")).toEqual(
        [],
      );

      // blocking with "confirmed" ticked is refused, and the form comes back with "block" still chosen
      const conflicting = await upload(sessions.editor)
        .field('mode', 'suppress')
        .field('consent', 'confirmed')
        .attach('csv', Buffer.from('email\nconflict@example.org\n'), {
          filename: 'x.csv',
          contentType: 'text/csv',
        });
      expect(conflicting.status).toBe(400);
      expect(decode(conflicting.text)).toContain('apply only to mode=subscribe');
      expect(conflicting.text).toMatch(/id="mode-suppress"[^>]*checked/);

      // an ordinary import of the suppressed address is refused
      const back = await upload(sessions.editor).attach(
        'csv',
        Buffer.from('email\nnever-subscribed@example.org\n'),
        {
          filename: 'y.csv',
          contentType: 'text/csv',
        },
      );
      expect(count(back.text, 'count-imported')).toBe(0);
      expect(count(back.text, 'count-suppressed')).toBe(1);
    });

    it('refuses no file, a non-CSV file, a file without an email column, conflicting options, a too large file', async () => {
      const none = await upload(sessions.editor).field('consent', 'confirmed');
      expect(none.status).toBe(400);
      expect(none.text).toContain('Choose a CSV file to import.');
      expect(none.text).toMatch(/id="consent"[^>]*checked/);

      const emptyInput = await upload(sessions.editor).attach('csv', Buffer.alloc(0), { filename: '' });
      expect(emptyInput.status).toBe(400);
      expect(emptyInput.text).toContain('Choose a CSV file to import.');

      const png = await upload(sessions.editor).attach('csv', Buffer.from([0x89, 0x50, 0x4e, 0x47]), {
        filename: 'photo.png',
        contentType: 'image/png',
      });
      expect(png.status).toBe(400);
      expect(png.text).toContain('The file is not a CSV');

      // Well-formed CSV uploads that are still refused, each with its message.
      const refusals: { fields: Record<string, string>; csv: string; message: string }[] = [
        { fields: {}, csv: 'name\nNobody\n', message: 'must have an &#34;email&#34; column' },
        {
          fields: { consent: 'confirmed', sendOptIn: 'true' },
          csv: 'email\nboth@example.org\n',
          message: 'sendOptIn applies only to pending imports',
        },
        { fields: { consent: 'yes please' }, csv: 'email\nbogus@example.org\n', message: 'consent must be' },
      ];
      for (const r of refusals) {
        let req = upload(sessions.editor);
        for (const [k, v] of Object.entries(r.fields)) req = req.field(k, v);
        const res = await req.attach('csv', Buffer.from(r.csv), {
          filename: 'x.csv',
          contentType: 'text/csv',
        });
        expect({ message: r.message, status: res.status }).toEqual({ message: r.message, status: 400 });
        expect(res.text).toContain(r.message);
      }

      const big = Buffer.alloc(11 * 1024 * 1024, 'a');
      const tooBig = await upload(sessions.editor).attach('csv', big, {
        filename: 'big.csv',
        contentType: 'text/csv',
      });
      expect(tooBig.status).toBe(400);
      expect(tooBig.text).toContain('larger than 10 MB');

      const notMultipart = await upload(sessions.editor).type('form').send({ csv: 'email\nx@example.org' });
      expect(notMultipart.status).toBe(403); // the urlencoded body has no _csrf: the query token counts only for multipart

      expect(
        await h.query("SELECT 1 FROM subscriber WHERE email IN ('both@example.org', 'bogus@example.org')"),
      ).toEqual([]);
    });

    it('stops a streamed (chunked) upload at the size limit with 400', async () => {
      const boundary = 'console-test-boundary';
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = http.request(
          `${h.baseUrl}/admin/subscribers/import?_csrf=${encodeURIComponent(sessions.editor.csrf)}`,
          {
            method: 'POST',
            headers: {
              'Content-Type': `multipart/form-data; boundary=${boundary}`,
              Cookie: sessions.editor.cookie,
              Accept: 'text/html',
              'Transfer-Encoding': 'chunked',
            },
          },
          (out) => {
            let body = '';
            out.setEncoding('utf8');
            out.on('data', (d: string) => (body += d));
            out.on('end', () => resolve({ status: out.statusCode ?? 0, body }));
          },
        );
        r.on('error', reject);
        r.write(
          `--${boundary}\r\nContent-Disposition: form-data; name="csv"; filename="huge.csv"\r\n` +
            'Content-Type: text/csv\r\n\r\nemail\nstreamed@example.org\n',
        );
        // long invalid rows (under csv-parse's record limit): few records, quick to parse
        const row = `${'x'.repeat(60 * 1024 - 1)}\n`;
        for (let i = 0; i < 11 * 17; i++) r.write(row);
        r.end(`\r\n--${boundary}--\r\n`);
      });
      expect(res.status).toBe(400);
      expect(res.body).toContain('larger than 10 MB');
      expect(res.body).toContain('Rows before that point may have been imported');
    });

    it('refuses an upload without the CSRF token and from ops (403)', async () => {
      const file = Buffer.from('email\nsneaky@example.org\n');
      const noCsrf = await upload(sessions.editor, null).attach('csv', file, {
        filename: 'x.csv',
        contentType: 'text/csv',
      });
      expect(noCsrf.status).toBe(403);
      const ops = await upload(sessions.ops).attach('csv', file, {
        filename: 'x.csv',
        contentType: 'text/csv',
      });
      expect(ops.status).toBe(403);
      expect(await h.query("SELECT 1 FROM subscriber WHERE email = 'sneaky@example.org'")).toEqual([]);
    });
  });

  describe('CSV export', () => {
    const text = (res: request.Response): string => res.text ?? (res.body as Buffer).toString();

    it('downloads every subscriber, or those of one status, for any role', async () => {
      const res = await api()
        .get('/admin/subscribers/export.csv')
        .set('Cookie', sessions.ops.cookie)
        .buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = text(res).trim().split('\r\n');
      expect(lines[0]).toBe(
        'id,email,name,status,consent_at,consent_source,confirmed_at,unsubscribed_at,created_at',
      );
      const live = await h.query<{ n: string }>(
        'SELECT count(*) AS n FROM subscriber WHERE erased_at IS NULL',
      );
      expect(lines).toHaveLength(Number(live[0]!.n) + 1);
      expect(lines.some((l) => l.includes(',grace@example.org,Grace Hopper,confirmed,'))).toBe(true);
      expect(text(res)).not.toContain('bulk04@example.org');

      const confirmed = await api()
        .get('/admin/subscribers/export.csv?status=confirmed')
        .set('Cookie', sessions.ops.cookie)
        .buffer(true);
      const rows = text(confirmed).trim().split('\r\n').slice(1);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((l) => l.includes(',confirmed,'))).toBe(true);

      const bad = await api()
        .get('/admin/subscribers/export.csv?status=nope')
        .set('Cookie', sessions.ops.cookie);
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('status must be one of');
    });

    it('the list page links to the export with its filters; the JSON API export takes the session cookie too', async () => {
      const page = await get(sessions.ops, '/admin/subscribers?status=confirmed&q=grace');
      expect(decode(page.text)).toContain('href="/admin/subscribers/export.csv?q=grace&status=confirmed"');
      const viaApi = await api()
        .get('/api/admin/subscribers/export?status=confirmed')
        .set('Cookie', sessions.ops.cookie)
        .buffer(true);
      expect(viaApi.status).toBe(200);
      expect(text(viaApi)).toContain('grace@example.org');
      expect((await api().get('/admin/subscribers/export.csv')).status).toBe(401);
    });
  });
  it('answers hostile values in every query, path and form field with a 2xx/3xx or a clear 4xx', async () => {
    await importApi('email,name\nfuzz@example.org,Fuzz\n');
    const id = await idOf('fuzz@example.org');
    const s = sessions.editor;
    const form = (body: Record<string, string>) =>
      [`_csrf=${pct(s.csrf)}`, ...Object.entries(body).map(([k, v]) => `${k}=${pct(v)}`)].join('&');
    const bad: string[] = [];
    for (const v of FUZZ) {
      const attempts: [string, request.Test][] = [
        ...['q', 'status', 'cursor', 'notice'].map((q): [string, request.Test] => [
          `GET list ?${q}`,
          get(s, `/admin/subscribers?${q}=${pct(v)}`),
        ]),
        ...['q', 'status'].map((q): [string, request.Test] => [
          `GET export ?${q}`,
          api()
            .get(`/admin/subscribers/export.csv?${q}=${pct(v)}`)
            .set('Cookie', s.cookie),
        ]),
        ['GET :id', get(s, `/admin/subscribers/${pct(v)}`)],
        [
          'POST :id/status path',
          api()
            .post(`/admin/subscribers/${pct(v)}/status`)
            .set('Cookie', s.cookie)
            .set('Accept', 'text/html')
            .type('form')
            .send(form({ status: 'pending' })),
        ],
        ...(['status', 'name', 'confirm'] as const).map((f): [string, request.Test] => [
          `POST ${f}`,
          api()
            .post(`/admin/subscribers/${id}/${f === 'confirm' ? 'erase' : f}`)
            .set('Cookie', s.cookie)
            .set('Accept', 'text/html')
            .type('form')
            .send(form({ [f]: v })),
        ]),
      ];
      for (const [what, req] of attempts) {
        const res = await req;
        const wrong = misbehaves(res, v);
        if (wrong) bad.push(`${what} ${JSON.stringify(v.slice(0, 40))}: ${wrong}`);
      }
    }
    expect(bad).toEqual([]);
    const page = await get(s, `/admin/subscribers/${id}`);
    expect(page.status).toBe(200); // never erased: "yes" is not in the set
    expect(page.text).not.toContain('<img src=x');
  });
});
