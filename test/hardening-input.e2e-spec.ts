import { TokenPurpose } from '@app/core';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from './helpers/harness';
import {
  HOSTILE_DIR,
  type HostileInput,
  loadCsvCases,
  loadDraftCases,
  loadInputs,
  loadRequestCases,
} from './helpers/hostile-corpus';
import {
  type AppRoute,
  appRoutes,
  asText,
  closeAgent,
  formBody,
  jsonBody,
  judge,
  pct,
  pool,
  rawRequest,
  type RawResponse,
  reflectable,
} from './helpers/hostile-http';
import { MailQueueWatch, tokenFor } from './subscriptions.helpers';

/**
 * Fires the hostile corpus (test/fixtures/hostile) at every route the app registers: path parameters, query
 * parameters and bodies, public routes anonymously and admin routes with the admin bearer token. Every answer
 * must be a 2xx/3xx or a 4xx with a message (never 5xx, never a stack trace, never the hostile markup
 * reflected unescaped); afterwards nothing invalid may be stored, and no email the SMTP sink received may
 * carry an injected header.
 */
describe('hardening: hostile input on every route', () => {
  let h: Harness;
  let mail: MailQueueWatch;
  const inputs = loadInputs();
  const WEBHOOK_SECRET = `hook-${randomBytes(8).toString('hex')}`;
  const counts = new Map<string, { path: number; query: number; body: number; request: number }>();
  const violations: string[] = [];
  let routes: AppRoute[] = [];

  // fixtures (ids above 1000: a hostile "00001" may legitimately parse to a real id)
  const fx = {
    draftId: 0,
    patchSubscriberId: 0,
    prefsToken: '',
    confirmToken: '',
    unsubToken: '',
    eraseToken: '',
    loginCookie: '',
    loginCsrf: '',
    content: {} as Record<string, unknown>,
  };
  let fresh = 0;
  const freshEmail = () => `fz-${++fresh}@example.org`;

  beforeAll(async () => {
    h = await Harness.start({
      inProcessWorker: true,
      env: {
        THROTTLE_LIMIT: '1000000',
        TRUST_PROXY: 'true',
        BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        // The provider webhooks answer 503 while unconfigured; configured, hostile input must get a 4xx.
        SNS_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:hardening',
        MAILGUN_WEBHOOK_SIGNING_KEY: `mailgun-${randomBytes(12).toString('hex')}`,
        SENDGRID_WEBHOOK_PUBLIC_KEY: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          .publicKey.export({ format: 'der', type: 'spki' })
          .toString('base64'),
      },
    });
    mail = new MailQueueWatch(h);
    for (const t of ['subscriber', 'edition', 'app_user', 'api_token', 'campaign']) {
      await h.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), 1000)`, [t]);
    }
    const insert = async (email: string, status: string) => {
      const [row] = await h.query<{ id: number }>(
        `INSERT INTO subscriber (email, status, consent_at, confirmation_sent_at, confirmed_at)
         VALUES ($1, $2::text, now(), now(), CASE WHEN $2::text = 'confirmed' THEN now() END) RETURNING id`,
        [email, status],
      );
      return row!.id;
    };
    await insert('prefs@example.org', 'confirmed');
    await insert('pending@example.org', 'pending');
    await insert('erase@example.org', 'confirmed');
    fx.patchSubscriberId = await insert('patch-me@example.org', 'confirmed');
    fx.prefsToken = await tokenFor(h, 'prefs@example.org', TokenPurpose.Preferences);
    fx.unsubToken = await tokenFor(h, 'prefs@example.org', TokenPurpose.Unsubscribe);
    fx.confirmToken = await tokenFor(h, 'pending@example.org', TokenPurpose.Confirm);
    fx.eraseToken = await tokenFor(h, 'erase@example.org', TokenPurpose.Preferences);

    const draft = readFileSync(join(HOSTILE_DIR, 'draft-base.txt'));
    const imported = await rawRequest(h.baseUrl, 'POST', '/api/admin/editions/import', {
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'text/plain' },
      body: draft,
    });
    expect(imported.status).toBe(201);
    const edition = JSON.parse(imported.body) as { id: number; content: Record<string, unknown> };
    fx.draftId = edition.id;
    fx.content = { ...edition.content, slug: '2025-06' };

    const form = await rawRequest(h.baseUrl, 'GET', '/admin/login');
    fx.loginCookie = /nl_login_csrf=([^;]*)/.exec(String(form.headers['set-cookie']))![1]!;
    fx.loginCsrf = /name="_csrf" value="([^"]*)"/.exec(form.body)![1]!;

    routes = appRoutes(h);
  });

  afterAll(async () => {
    await mail?.close();
    closeAgent();
    await h?.stop();
  });

  const isAdmin = (path: string) =>
    path.startsWith('/api/admin') || (path.startsWith('/admin') && !path.startsWith('/admin/login'));

  function headersFor(r: AppRoute): Record<string, string> {
    const out: Record<string, string> = {
      accept: r.path.startsWith('/api') ? 'application/json' : 'text/html,application/xhtml+xml',
      'x-forwarded-for': `198.51.100.${fresh % 250}`,
    };
    if (isAdmin(r.path)) out.authorization = `Bearer ${h.adminToken}`;
    if (r.path.startsWith('/api/webhooks')) out['x-webhook-secret'] = WEBHOOK_SECRET;
    if (r.path === '/admin/login') out.cookie = `nl_login_csrf=${fx.loginCookie}`;
    return out;
  }

  /** A valid value for each path parameter, so fuzzing one parameter reaches the handler's logic. */
  function validParam(r: AppRoute, name: string): string {
    if (r.path.startsWith('/api/admin/editions')) return String(fx.draftId);
    if (r.path.startsWith('/api/admin/subscribers')) return String(fx.patchSubscriberId);
    if (r.path.startsWith('/archive')) return '2025-04';
    return name === 'id' ? '999999' : 'x';
  }

  const PARAM = /:(\w+)/g;

  function pathWith(r: AppRoute, fuzzed: string | undefined, value: string): string {
    return r.path.replace(PARAM, (_m, a?: string) => {
      const name = a!;
      return name === fuzzed ? value : validParam(r, name);
    });
  }

  /** Query parameters each GET route reads (unknown routes get a generic set: unknown names must 4xx too). */
  const QUERY: Record<string, string[]> = {
    '/api/admin/subscribers': ['email', 'status', 'search', 'cursor', 'limit'],
    '/api/admin/subscribers/export': ['email', 'status', 'search'],
    '/api/admin/campaigns': ['cursor', 'limit'],
    '/api/admin/campaigns/:id/deliveries': ['status', 'cursor', 'limit'],
    '/api/admin/tokens': ['userId'],
    '/confirm': ['token'],
    '/unsubscribe': ['token'],
    '/preferences': ['token'],
    '/admin/login': ['next'],
    '/admin/feedback': ['status', 'classification', 'cursor'],
    '/admin/feedback/events': ['kind', 'source', 'campaign', 'cursor'],
  };
  const GENERIC_QUERY = ['q', 'search', 'status', 'cursor', 'limit', 'page', 'next', 'token', 'id'];

  type Template =
    | { kind: 'json'; fields: string[]; body: () => Record<string, unknown> }
    | { kind: 'form'; fields: string[]; body: () => Record<string, string>; query?: () => string };

  const contentFields = [
    'publicationName',
    'slug',
    'subject',
    'description',
    'highlightsTitle',
    'highlights',
    'highlights.0.headline',
    'highlights.0.paragraphs.0',
    'links.0.text',
    'links.0.sources.0',
    'analysis.0.title',
    'mastheadTitle',
    'masthead.0.email',
  ];

  function template(r: AppRoute): Template | undefined {
    const key = `${r.method} ${r.path}`;
    const form = (fields: Record<string, () => string>, query?: () => string): Template => ({
      kind: 'form',
      fields: Object.keys(fields),
      body: () => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f()])),
      query,
    });
    switch (key) {
      case 'POST /api/subscriptions':
        return {
          kind: 'json',
          fields: ['email', 'name', 'website'],
          body: () => ({ email: freshEmail(), name: 'Ada' }),
        };
      case 'POST /subscribe':
        return form({ email: freshEmail, name: () => 'Ada', website: () => '' });
      case 'POST /confirm':
      case 'POST /confirm/resend':
        return form({ token: () => fx.confirmToken });
      case 'POST /unsubscribe':
        return form({ 'List-Unsubscribe': () => 'One-Click' }, () => fx.unsubToken);
      case 'POST /preferences/name':
        return form({ token: () => fx.prefsToken, name: () => 'Pat' });
      case 'POST /preferences/unsubscribe':
      case 'POST /preferences/resubscribe':
      case 'POST /preferences/export':
        return form({ token: () => fx.prefsToken });
      case 'POST /preferences/erase':
        return form({ token: () => fx.eraseToken, confirm: () => 'no' });
      case 'POST /admin/login':
        return form({
          _csrf: () => fx.loginCsrf,
          email: () => 'nobody@example.org',
          password: () => 'not-the-password-1',
          next: () => '/admin',
        });
      case 'POST /api/admin/users':
        return {
          kind: 'json',
          fields: ['email', 'role', 'password'],
          body: () => ({ email: freshEmail(), role: 'ops', password: 'a-long-password-123' }),
        };
      case 'PATCH /api/admin/users/:id':
        return { kind: 'json', fields: ['role', 'password', 'disabled'], body: () => ({ role: 'ops' }) };
      case 'POST /api/admin/tokens':
        return { kind: 'json', fields: ['name'], body: () => ({ name: 'fuzz' }) };
      case 'POST /api/admin/editions':
        return { kind: 'json', fields: contentFields, body: () => structuredClone(fx.content) };
      case 'PATCH /api/admin/editions/:id':
        return { kind: 'json', fields: contentFields, body: () => ({ subject: 'CRANK Call | April 2025' }) };
      case 'POST /api/admin/editions/:id/test':
        return { kind: 'json', fields: ['to', 'to.0'], body: () => ({ to: ['editor@example.org'] }) };
      case 'POST /api/admin/campaigns':
        return {
          kind: 'json',
          fields: ['editionId', 'scheduledAt'],
          body: () => ({ editionId: 999999, scheduledAt: '2099-01-01T00:00:00Z' }),
        };
      case 'PATCH /api/admin/subscribers/:id':
        return { kind: 'json', fields: ['name', 'status'], body: () => ({ name: 'Patched' }) };
      case 'POST /api/webhooks/bounces':
        return {
          kind: 'json',
          fields: ['email', 'type'],
          body: () => ({ email: 'nobody@example.org', type: 'soft' }),
        };
      default:
        return undefined;
    }
  }

  /** Routes whose body is not JSON/form fields: the CSV importer and the draft importer have their own corpora. */
  const RAW_BODY_ROUTES = new Set(['POST /api/admin/subscribers/import', 'POST /api/admin/editions/import']);

  function count(r: AppRoute, surface: 'path' | 'query' | 'body' | 'request'): void {
    const key = `${r.method} ${r.path}`;
    const c = counts.get(key) ?? { path: 0, query: 0, body: 0, request: 0 };
    c[surface]++;
    counts.set(key, c);
  }

  async function fire(
    r: AppRoute,
    surface: 'path' | 'query' | 'body' | 'request',
    what: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: Buffer; contentLength?: number } = {},
    reflected?: string,
  ): Promise<RawResponse | undefined> {
    count(r, surface);
    let res: RawResponse;
    try {
      res = await rawRequest(h.baseUrl, r.method, path, {
        ...opts,
        headers: { ...headersFor(r), ...opts.headers },
      });
    } catch (err) {
      violations.push(
        `${r.method} ${r.path} [${surface} ${what}]: request failed: ${(err as Error).message}`,
      );
      return undefined;
    }
    const wrong = judge(res, reflected);
    if (wrong) violations.push(`${r.method} ${r.path} [${surface} ${what}]: ${wrong}`);
    return res;
  }

  // Catch-all middleware routes ('{/*splat}') take no input of their own; exotic methods (CONNECT hangs by design).
  const skip = (r: AppRoute) =>
    r.path.startsWith('/admin/queues') ||
    r.path.includes('*') ||
    !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method);

  type Slot = { kind: 'path' | 'query'; name: string } | { kind: 'body'; name: string; as: 'json' | 'form' };

  /** Where a route takes input: its path parameters, its query parameters, its body fields. */
  function slotsOf(r: AppRoute): Slot[] {
    const slots: Slot[] = [...r.path.matchAll(PARAM)].map((m) => ({ kind: 'path' as const, name: m[1]! }));
    const tpl = template(r);
    if (r.method === 'GET' || r.method === 'DELETE') {
      for (const name of QUERY[r.path] ?? GENERIC_QUERY) slots.push({ kind: 'query', name });
    }
    if (tpl?.kind === 'form' && tpl.query) slots.push({ kind: 'query', name: 'token' });
    if (['POST', 'PUT', 'PATCH'].includes(r.method) && !RAW_BODY_ROUTES.has(`${r.method} ${r.path}`)) {
      for (const name of tpl?.fields ?? ['email', 'name', 'token', 'title']) {
        slots.push({ kind: 'body', name, as: tpl?.kind === 'form' ? 'form' : 'json' });
      }
    }
    return slots;
  }

  /** The JSON subscribe endpoint gets every input in every field; the others one field per input. */
  const EVERY_FIELD = new Set(['POST /api/subscriptions']);

  /**
   * Which share of the corpus a route gets, to keep the suite near a minute on a shared 2-core machine: the
   * subscribe endpoints all of it; the other public input routes every 4th input, admin routes every 8th and
   * routes that declare no input every 32nd, offset per route so that each class of routes together sees the
   * whole corpus. HOSTILE_FULL=1 fires every input at every route (several minutes).
   */
  const FULL = process.env.HOSTILE_FULL === '1';
  const LONG = FULL ? 1_800_000 : 240_000;
  function stride(r: AppRoute, declared: boolean): number {
    if (FULL || ['POST /api/subscriptions', 'POST /subscribe'].includes(`${r.method} ${r.path}`)) return 1;
    if (!declared) return 32;
    return isAdmin(r.path) ? 8 : 4;
  }

  function jobsFor(r: AppRoute, list: HostileInput[]): (() => Promise<unknown>)[] {
    const jobs: (() => Promise<unknown>)[] = [];
    const tpl = template(r);
    const slots = slotsOf(r);
    const basePath = pathWith(r, undefined, '');
    const tokenQuery = tpl?.kind === 'form' && tpl.query ? `?token=${pct(tpl.query())}` : '';
    const takesBody = slots.some((s) => s.kind === 'body');
    // Routes that read no declared input (docs, health, lists) share a sample of the corpus as stray parameters.
    const declared = tpl !== undefined || slots.some((s) => s.kind === 'path') || QUERY[r.path] !== undefined;
    const step = stride(r, declared);
    const offset = routes.indexOf(r) % step;
    let taken = 0;
    list.forEach((input, i) => {
      if ((i + offset) % step !== 0) return;
      const n = taken++;
      if (input.rawJson !== undefined || input.rawForm !== undefined) {
        if (!takesBody) return;
        const isJson = input.rawJson !== undefined;
        jobs.push(() =>
          fire(r, 'body', input.id, basePath + tokenQuery, {
            body: Buffer.from(isJson ? input.rawJson! : input.rawForm!),
            headers: {
              'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded',
            },
          }),
        );
        return;
      }
      const chosen = EVERY_FIELD.has(`${r.method} ${r.path}`)
        ? slots.filter((s) => s.kind === 'body' && s.name !== 'website')
        : slots.length > 0
          ? [slots[n % slots.length]!]
          : [];
      const v = input.value ? asText(input.value) : input.rawJsonValue!;
      const reflected = input.value ? reflectable(input) : undefined;
      for (const slot of chosen) {
        const what = `${slot.kind}:${slot.name}=${input.id}`;
        if (slot.kind === 'path') {
          jobs.push(() => fire(r, 'path', what, pathWith(r, slot.name, pct(v)), {}, reflected));
        } else if (slot.kind === 'query') {
          const body =
            tpl?.kind === 'form' ? Buffer.from(new URLSearchParams(tpl.body()).toString()) : undefined;
          const sep = tokenQuery && slot.name !== 'token' ? `${tokenQuery}&` : '?';
          jobs.push(() =>
            fire(
              r,
              'query',
              what,
              `${basePath}${sep}${pct(slot.name)}=${pct(v)}`,
              body ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {},
              reflected,
            ),
          );
        } else if (tpl?.kind === 'form' && input.value?.kind !== 'json') {
          jobs.push(() =>
            fire(
              r,
              'body',
              what,
              basePath + tokenQuery,
              {
                body: formBody(tpl.body(), slot.name, input),
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
              },
              reflected,
            ),
          );
        } else {
          // JSON (form routes too, for type confusion: a bot can post either)
          const base = tpl ? tpl.body : () => ({});
          jobs.push(() =>
            fire(
              r,
              'body',
              what,
              basePath + tokenQuery,
              { body: jsonBody(base(), slot.name, input), headers: { 'content-type': 'application/json' } },
              reflected,
            ),
          );
        }
      }
    });
    return jobs;
  }

  it('enumerates the routes from the app, admin and public', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /api/subscriptions',
        'POST /subscribe',
        'GET /preferences',
        'POST /api/admin/editions',
        'PATCH /api/admin/subscribers/:id',
        'POST /admin/login',
      ]),
    );
    expect(inputs.length).toBeGreaterThanOrEqual(300);
  });

  it(
    'answers every field-level hostile input on every route with 2xx/3xx or a clear 4xx',
    async () => {
      const jobs = routes.filter((r) => !skip(r)).flatMap((r) => jobsFor(r, inputs));
      await pool(jobs, 6, async (job) => {
        await job();
      });
      expect(violations.slice(0, 40)).toEqual([]);
    },
    LONG,
  );

  it(
    'answers wrong content types, malformed and oversized bodies on every body route',
    async () => {
      const cases = loadRequestCases();
      const bodyRoutes = routes.filter((r) => !skip(r) && ['POST', 'PUT', 'PATCH'].includes(r.method));
      const before = violations.length;
      const jobs: (() => Promise<unknown>)[] = [];
      // Megabyte bodies cost time: every public body route gets them, admin routes take turns.
      const heavy = (id: string) => /^(size|json\/deep|json\/many|form\/many|multipart\/huge)/.test(id);
      bodyRoutes.forEach((r, ri) => {
        const tpl = template(r);
        const query = tpl?.kind === 'form' && tpl.query ? `?token=${pct(tpl.query())}` : '';
        cases.forEach((c, ci) => {
          const always = ['POST /api/subscriptions', 'POST /subscribe'].includes(`${r.method} ${r.path}`);
          if (!FULL && !always && (heavy(c.id) ? ri % 6 !== 0 : isAdmin(r.path) && (ci + ri) % 3 !== 0))
            return;
          jobs.push(async () => {
            const headers: Record<string, string> = {};
            if (c.contentType) headers['content-type'] = c.contentType;
            if (c.contentEncoding) headers['content-encoding'] = c.contentEncoding;
            const res = await fire(r, 'request', c.id, pathWith(r, undefined, '') + query, {
              headers,
              body: c.body,
              contentLength: c.contentLength,
            });
            if (res && c.expect413 && res.status !== 413) {
              violations.push(`${r.method} ${r.path} [request ${c.id}]: expected 413, got ${res.status}`);
            }
            if (res && c.expect413 && res.status === 413 && !/too large/i.test(res.body)) {
              violations.push(`${r.method} ${r.path} [request ${c.id}]: 413 without a message`);
            }
          });
        });
      });
      await pool(jobs, 4, async (job) => {
        await job();
      });
      expect(violations.slice(before, before + 40)).toEqual([]);
    },
    LONG,
  );

  it(
    'imports hostile CSV files with a report or a 4xx, storing only valid rows',
    async () => {
      const r: AppRoute = { method: 'POST', path: '/api/admin/subscribers/import' };
      const before = violations.length;
      const variants = FULL ? ['', '?consent=confirmed', '?sendOptIn=true'] : [''];
      for (const c of loadCsvCases()) {
        for (const q of variants) {
          await fire(r, 'body', `${c.id}${q}`, `${r.path}${q}`, {
            headers: { 'content-type': 'text/csv' },
            body: c.body,
          });
        }
      }
      // Every field-level input as a cell: one file with each input in the email column, one with each in the
      // name column (the importer judges every row on its own and reports it by line).
      const cell = (input: HostileInput): Buffer => {
        const v = input.value
          ? asText(input.value)
          : (input.rawJsonValue ?? input.rawJson ?? input.rawForm ?? '');
        const buf = Buffer.isBuffer(v) ? v : Buffer.from(v);
        return Buffer.concat([
          Buffer.from('"'),
          Buffer.from(buf.toString('latin1').replace(/"/g, '""'), 'latin1'),
          Buffer.from('"'),
        ]);
      };
      const emailRows = inputs.map((i) => Buffer.concat([cell(i), Buffer.from(',x\n')]));
      const nameRows = inputs.map((i) =>
        Buffer.concat([Buffer.from(`${freshEmail()},`), cell(i), Buffer.from('\n')]),
      );
      for (const [what, rows] of [
        ['email-column', emailRows],
        ['name-column', nameRows],
      ] as const) {
        for (const q of ['', '?consent=confirmed']) {
          const res = await fire(r, 'body', `${what}${q}`, `${r.path}${q}`, {
            headers: { 'content-type': 'text/csv' },
            body: Buffer.concat([Buffer.from('email,name\n'), ...rows]),
          });
          counts.get(`${r.method} ${r.path}`)!.body += rows.length - 1;
          if (res && res.status !== 200 && res.status !== 400)
            violations.push(`CSV ${what}: status ${res.status}`);
        }
      }
      expect(violations.slice(before, before + 40)).toEqual([]);
    },
    LONG,
  );

  it(
    'answers malformed and hostile drafts with 201 or a 4xx naming the line, and escapes them in the preview',
    async () => {
      const r: AppRoute = { method: 'POST', path: '/api/admin/editions/import' };
      const before = violations.length;
      for (const c of loadDraftCases()) {
        const res = await fire(r, 'body', c.id, r.path, {
          headers: { 'content-type': c.markdown ? 'text/markdown' : 'text/plain' },
          body: c.body,
        });
        if (res?.status === 201) {
          const id = (JSON.parse(res.body) as { id: number }).id;
          for (const p of ['preview.html', 'preview.txt', 'export.md']) {
            const preview = await rawRequest(h.baseUrl, 'GET', `/api/admin/editions/${id}/${p}`, {
              headers: { authorization: `Bearer ${h.adminToken}` },
            });
            const wrong = judge(preview);
            if (wrong) violations.push(`GET /api/admin/editions/:id/${p} after draft ${c.id}: ${wrong}`);
            if (
              p === 'preview.html' &&
              /<script\b|<img\b[^>]*\bonerror\s*=|href\s*=\s*["']?\s*javascript:/i.test(preview.body)
            ) {
              violations.push(`preview of draft ${c.id} contains active markup`);
            }
          }
        }
      }
      // every field-level input as the subject line and as a paragraph of an otherwise valid draft
      const base = readFileSync(join(HOSTILE_DIR, 'draft-base.txt'), 'utf8').split('\n');
      for (const input of inputs.filter((i) => i.value)) {
        const v = asText(input.value!);
        const text = Buffer.isBuffer(v) ? v.toString('latin1') : v;
        for (const [line, value] of [
          [0, `${text} | April 2025`],
          [5, `${text}.`],
        ] as const) {
          const body = Buffer.from(base.map((l, i) => (i === line ? value : l)).join('\n'));
          await fire(r, 'body', `line${line}=${input.id}`, r.path, {
            headers: { 'content-type': 'text/plain' },
            body,
          });
        }
      }
      expect(violations.slice(before, before + 40)).toEqual([]);
    },
    LONG,
  );

  it('keeps the defects this suite found fixed (each answered 500 or dropped the connection before)', async () => {
    const admin = { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' };
    const send = (
      method: string,
      path: string,
      body: string | Buffer,
      headers: Record<string, string> = admin,
    ) => rawRequest(h.baseUrl, method, path, { headers, body: Buffer.from(body) });
    const expectClear = (res: RawResponse, status: number, message: RegExp) => {
      expect({ status: res.status, wrong: judge(res) }).toEqual({ status, wrong: undefined });
      expect(res.body).toMatch(message);
    };
    // JSON nested 10,000 deep overflowed the stack in validation (RangeError)
    expectClear(
      await send('POST', '/api/subscriptions', '['.repeat(10000), { 'content-type': 'application/json' }),
      400,
      /nested deeper/,
    );
    // a lone UTF-16 surrogate made class-validator's IsEmail throw a URIError
    const lone = JSON.stringify({
      email: '\ud800@example.org',
      role: 'ops',
      password: 'a-long-password-123',
    });
    expectClear(await send('POST', '/api/admin/users', lone), 400, /valid email address/);
    expectClear(
      await send('POST', `/api/admin/editions/${fx.draftId}/test`, JSON.stringify({ to: ['\ud800@x.org'] })),
      400,
      /valid email/,
    );
    // look-alike, zero-width and IDN-unicode addresses were stored for console users
    for (const email of ['jоhn@example.com', 'jo\u200bhn@example.com']) {
      expectClear(
        await send(
          'POST',
          '/api/admin/users',
          JSON.stringify({ email, role: 'ops', password: 'a-long-password-123' }),
        ),
        400,
        /valid email address/,
      );
    }
    // null slipped past IsOptional into the services (null.length, NOT NULL violations)
    expectClear(
      await send('PATCH', '/api/admin/users/999999', JSON.stringify({ password: null })),
      400,
      /password/,
    );
    expectClear(
      await send('PATCH', `/api/admin/subscribers/${fx.patchSubscriberId}`, JSON.stringify({ status: null })),
      400,
      /status/,
    );
    expectClear(
      await send('PATCH', `/api/admin/editions/${fx.draftId}`, JSON.stringify({ subject: null })),
      400,
      /subject/,
    );
    // NUL in a draft or in structured content reached PostgreSQL (22P05/22021)
    const draft = readFileSync(join(HOSTILE_DIR, 'draft-base.txt'), 'utf8').replace(
      'offer.',
      'offer \u0000.',
    );
    expectClear(
      await send('POST', '/api/admin/editions/import', draft, { ...admin, 'content-type': 'text/plain' }),
      400,
      /Line 6/,
    );
    const nul = JSON.stringify({ ...fx.content, description: 'a\u0000b' });
    expectClear(await send('POST', '/api/admin/editions', nul), 400, /NUL/);
    // an edition the draft format cannot express made its Markdown export throw
    const odd = await send(
      'PATCH',
      `/api/admin/editions/${fx.draftId}`,
      JSON.stringify({ subject: 'Not the publication name' }),
    );
    expect(odd.status).toBe(200);
    const md = await rawRequest(h.baseUrl, 'GET', `/api/admin/editions/${fx.draftId}/export.md`, {
      headers: admin,
    });
    expectClear(md, 422, /cannot be written as a draft/);
    // an error on a route that declares text/html went out as JSON labelled text/html
    const typed = await rawRequest(h.baseUrl, 'GET', '/api/admin/editions/%3Cb%3E/preview.html', {
      headers: admin,
    });
    expect(typed.status).toBe(400);
    expect(typed.headers['content-type']).toMatch(/^application\/json/);
    // a NUL in the export's filter failed the query after the CSV had started streaming (connection aborted)
    const exp = await rawRequest(h.baseUrl, 'GET', '/api/admin/subscribers/export?search=%00', {
      headers: admin,
    });
    expectClear(exp, 400, /control characters/);
    // the console's user form reached AccountsService.createUser, whose isEmail threw on a lone surrogate
    const form = await rawRequest(h.baseUrl, 'POST', '/admin/users', {
      headers: {
        authorization: `Bearer ${h.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: Buffer.from(
        JSON.stringify({ email: '\ud800@example.org', role: 'ops', password: 'a-long-password-123' }),
      ),
    });
    expect(form.status).toBeLessThan(500);
    expect(
      await h.query(`SELECT 1 FROM app_user WHERE email LIKE '%example.org' AND email !~ '^[ -~]+$'`),
    ).toEqual([]);
    // Node answered an oversized URL with a bare 431 and no message
    expectClear(await rawRequest(h.baseUrl, 'GET', `/confirm?token=${'x'.repeat(20000)}`), 431, /too large/);
    // a CSV line over the record limit destroyed the socket: the client never read the 400
    const csv = Buffer.from(`email,name\n${'x'.repeat(300000)}\n`);
    expectClear(
      await send('POST', '/api/admin/subscribers/import', csv, { ...admin, 'content-type': 'text/csv' }),
      400,
      /CSV error/,
    );
  });

  it('stored nothing invalid: every address valid, every name and subject one clean line', async () => {
    const bad: string[] = [];
    const validAddress = (e: string) =>
      e.length <= 254 &&
      /^[\x21-\x7e]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(e) &&
      !/[<>()[\]\\,;:"\s]/.test(e.split('@')[0]!);
    const unsafeLine = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;
    for (const s of await h.query<{ id: number; email: string | null; name: string | null }>(
      'SELECT id, email, name FROM subscriber',
    )) {
      if (s.email !== null && !validAddress(s.email))
        bad.push(`subscriber ${s.id} email ${JSON.stringify(s.email)}`);
      if (s.name !== null && (unsafeLine.test(s.name) || s.name.length > 200))
        bad.push(`subscriber ${s.id} name ${JSON.stringify(s.name.slice(0, 80))}`);
    }
    for (const u of await h.query<{ id: number; email: string }>('SELECT id, email FROM app_user')) {
      if (!validAddress(u.email)) bad.push(`user ${u.id} email ${JSON.stringify(u.email)}`);
    }
    for (const e of await h.query<{ id: number; subject: string; content: { subject?: unknown } }>(
      'SELECT id, subject, content FROM edition',
    )) {
      if (unsafeLine.test(e.subject) || e.subject.trim() === '')
        bad.push(`edition ${e.id} subject ${JSON.stringify(e.subject.slice(0, 80))}`);
      if (JSON.stringify(e.content).includes('\\u0000')) bad.push(`edition ${e.id} content holds a NUL`);
    }
    for (const t of await h.query<{ id: number; name: string }>('SELECT id, name FROM api_token')) {
      if (unsafeLine.test(t.name)) bad.push(`token ${t.id} name ${JSON.stringify(t.name)}`);
    }
    const [{ n }] = (await h.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber')) as [
      { n: number },
    ];
    console.log(`subscribers stored after the corpus: ${n}`);
    expect(bad.slice(0, 40)).toEqual([]);
  });

  it('sent no email with an injected header: one valid To, no Bcc, no header value with CR/LF', async () => {
    await mail.idle(h);
    // the in-process worker also runs the test sends (mail queue); give the SMTP pool a moment to flush
    await new Promise((r) => setTimeout(r, 500));
    const bad: string[] = [];
    expect(h.smtp.messages.length).toBeGreaterThan(0);
    for (const m of h.smtp.messages) {
      const headerText = m.raw.toString('latin1').split('\r\n\r\n')[0]!;
      const names = headerText
        .split('\r\n')
        .filter((l) => !/^[ \t]/.test(l))
        .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
      const to = m.parsed.to;
      const toList = (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value);
      const id = `message to ${m.envelopeTo.join(',')}`;
      if (names.includes('bcc')) bad.push(`${id}: Bcc header`);
      if (names.filter((n) => n === 'to').length !== 1)
        bad.push(`${id}: ${names.filter((n) => n === 'to').length} To headers`);
      if (names.filter((n) => n === 'subject').length !== 1) bad.push(`${id}: several Subject headers`);
      for (const injected of ['x-injected', 'reply-to', 'cc', 'content-type: text/html']) {
        if (names.includes(injected)) bad.push(`${id}: injected ${injected}`);
      }
      if (toList.length !== 1 || !/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(toList[0]?.address ?? '')) {
        bad.push(`${id}: To is not one valid address: ${JSON.stringify(toList)}`);
      }
      if (m.envelopeTo.length !== 1) bad.push(`${id}: ${m.envelopeTo.length} envelope recipients`);
      for (const [name, value] of m.parsed.headers) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        if (/[\r\n]/.test(text) && name !== 'dkim-signature')
          bad.push(`${id}: header ${name} value has CR/LF`);
      }
    }
    console.log(`emails captured by the SMTP sink: ${h.smtp.messages.length}`);
    expect(bad.slice(0, 40)).toEqual([]);
  });

  it('prints the inputs tried per endpoint', () => {
    const rows = [...counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, c]) => ({ route, ...c, total: c.path + c.query + c.body + c.request }));
    const total = rows.reduce((s, r) => s + r.total, 0);
    console.log(
      `hostile inputs tried per endpoint (corpus: ${inputs.length} field inputs, ` +
        `${loadRequestCases().length} request cases, ${loadCsvCases().length} CSV files, ${loadDraftCases().length} drafts)\n` +
        rows
          .map(
            (r) =>
              `${r.route.padEnd(48)} path ${String(r.path).padStart(5)} query ${String(r.query).padStart(5)} body ${String(r.body).padStart(5)} request ${String(r.request).padStart(4)} total ${String(r.total).padStart(6)}`,
          )
          .join('\n') +
        `\nTOTAL ${total} requests`,
    );
    // every route that takes input was tried
    for (const r of routes.filter((x) => !skip(x))) {
      const c = counts.get(`${r.method} ${r.path}`);
      expect({
        route: `${r.method} ${r.path}`,
        tried: (c ? c.path + c.query + c.body + c.request : 0) > 0,
      }).toEqual({
        route: `${r.method} ${r.path}`,
        tried: true,
      });
    }
  });
});
