import type request from 'supertest';
import { decode, FUZZ, HOSTILE, HOSTILE_ESCAPED, misbehaves, pct } from './helpers/console-fuzz';
import { consoleWorld } from './helpers/scenarios';

/**
 * The console's "Bounces & complaints" (issue 13): inbound messages with their classification, filters and
 * keyset pages, one message's source for operators (escaped, capped, downloadable as .eml), the feedback
 * events. The rows are written directly, as the inbound server and processing leave them (those have tests
 * of their own).
 */
describe('console: bounces and complaints', () => {
  const { h, api, sessions, get } = consoleWorld({ roles: ['admin', 'editor', 'ops'] });

  let campaignId = 0;
  let deliveryId = 0;
  let subscriberId = 0;
  let bounceId = 0;
  let hostileId = 0;
  let bigId = 0;
  const hostileRaw = Buffer.concat([
    Buffer.from(`From: <${HOSTILE}@x.test>\r\nSubject: ${HOSTILE}\r\n\r\nbody\u0000with NUL\u001b[31m and `),
    Buffer.from([0xff, 0xfe]), // not UTF-8
    Buffer.from('\r\n'),
  ]);
  const bigRaw = Buffer.from(`Subject: big\r\n\r\n${'0123456789abcdef'.repeat(8192)}END-OF-BIG\r\n`); // 128 KiB

  const insertInbound = async (
    raw: Buffer,
    fields: {
      status: string;
      classification: string | null;
      detail?: string;
      delivery?: number;
      subscriber?: number;
    },
  ): Promise<number> => {
    const [row] = await h.query<{ id: string }>(
      `INSERT INTO inbound_message (remote_address, helo, mail_from, rcpt_to, size, raw, status, classification,
                                    detail, delivery_id, subscriber_id, processed_at)
       VALUES ('192.0.2.7', 'mx.example.net', '', $1, $2, $3, $4::varchar, $5, $6, $7, $8,
               CASE WHEN $4::varchar = 'received' THEN NULL ELSE now() END)
       RETURNING id`,
      [
        [
          'bounces+abc@bounce.example.test',
          'b@bounce.example.test',
          'c@bounce.example.test',
          'd@bounce.example.test',
        ],
        raw.length,
        raw,
        fields.status,
        fields.classification,
        fields.detail ?? null,
        fields.delivery ?? null,
        fields.subscriber ?? null,
      ],
    );
    return Number(row!.id);
  };

  beforeAll(async () => {
    const [pub] = await h.query<{ id: number }>('SELECT id FROM publication');
    const [ed] = await h.query<{ id: number }>(
      `INSERT INTO edition (publication_id, slug, subject, content, status) VALUES ($1, '2025-09', 'F', '{}', 'sent')
       RETURNING id`,
      [pub!.id],
    );
    const [c] = await h.query<{ id: number }>(
      `INSERT INTO campaign (edition_id, status, total) VALUES ($1, 'completed', 2) RETURNING id`,
      [ed!.id],
    );
    campaignId = c!.id;
    const [s] = await h.query<{ id: number }>(
      `INSERT INTO subscriber (email, status) VALUES ('bouncer@example.test', 'bounced') RETURNING id`,
    );
    subscriberId = s!.id;
    const [d] = await h.query<{ id: string }>(
      `INSERT INTO delivery (campaign_id, subscriber_id, status) VALUES ($1, $2, 'bounced') RETURNING id`,
      [campaignId, subscriberId],
    );
    deliveryId = Number(d!.id);
    // 60 auto-replies first (older), then the three the tests look at
    for (let i = 0; i < 60; i++) {
      await insertInbound(Buffer.from(`Subject: away ${i}\r\n\r\nOut of office\r\n`), {
        status: 'ignored',
        classification: 'auto-reply',
        detail: `auto-reply ${i}`,
      });
    }
    bounceId = await insertInbound(Buffer.from('Subject: Undelivered Mail\r\n\r\n5.1.1\r\n'), {
      status: 'processed',
      classification: 'hard-bounce',
      detail: `5.1.1 user unknown ${HOSTILE}`,
      delivery: deliveryId,
      subscriber: subscriberId,
    });
    hostileId = await insertInbound(hostileRaw, {
      status: 'unparsed',
      classification: 'other',
      detail: 'no report',
    });
    bigId = await insertInbound(bigRaw, { status: 'unparsed', classification: null });
    await insertInbound(Buffer.from('Subject: new\r\n\r\n'), { status: 'received', classification: null });
    await h.query(
      `INSERT INTO mail_feedback (source, dedupe_key, kind, delivery_id, campaign_id, subscriber_id,
                                  inbound_message_id, status_code, detail)
       VALUES ('dsn', 'fb-dsn-1', 'hard-bounce', $1, $2, $3, $4, '5.1.1', $5),
              ('arf', 'fb-arf-1', 'complaint', $1, $2, $3, NULL, NULL, 'abuse'),
              ('mailto', 'fb-mailto-1', 'unsubscribe', NULL, NULL, NULL, NULL, NULL, 'mailto')`,
      [deliveryId, campaignId, subscriberId, bounceId, `user unknown ${HOSTILE}`],
    );
  });

  const rowIds = (text: string, table: string): string[] => {
    const body =
      new RegExp(`<table id="${table}">[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(text)?.[1] ?? '';
    return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
  };

  it('is in the navigation of every console role', async () => {
    for (const s of [sessions.admin, sessions.editor, sessions.ops]) {
      const res = await get(s, '/admin');
      expect(res.text).toContain('href="/admin/feedback"');
      expect(decode(res.text)).toContain('>Bounces & complaints</a');
    }
  });

  it('lists inbound messages newest first with classification, status, detail (escaped) and links', async () => {
    const res = await get(sessions.ops, '/admin/feedback');
    expect(res.status).toBe(200);
    const rows = rowIds(res.text, 'inbound');
    expect(rows).toHaveLength(50);
    // newest first: received, big, hostile, bounce
    expect(rows[1]).toContain(`href="/admin/feedback/inbound/${bigId}"`);
    expect(rows[2]).toContain(`href="/admin/feedback/inbound/${hostileId}"`);
    const bounce = rows[3]!;
    expect(bounce).toMatch(/class="badge status-bad">hard-bounce</);
    expect(bounce).toMatch(/class="badge status-ok">processed</);
    expect(bounce).toContain(`href="/admin/campaigns/${campaignId}"`);
    expect(bounce).toContain(`href="/admin/subscribers/${subscriberId}">bouncer@example.test<`);
    expect(bounce).toContain(`delivery #${deliveryId}`);
    expect(bounce).toContain('192.0.2.7');
    expect(bounce).toContain('and 1 more'); // four recipients, three shown
    expect(res.text).toContain(HOSTILE_ESCAPED);
    expect(res.text).not.toContain(HOSTILE);
    expect(rows[0]).toMatch(/class="badge status-warn">received</);
  });

  it('editors see the list without links to raw sources, and may not open one', async () => {
    const res = await get(sessions.editor, '/admin/feedback');
    expect(res.status).toBe(200);
    expect(res.text).toContain('hard-bounce');
    expect(res.text).not.toContain('/admin/feedback/inbound/');
    expect((await get(sessions.editor, `/admin/feedback/inbound/${hostileId}`)).status).toBe(403);
    const dl = await api()
      .get(`/admin/feedback/inbound/${hostileId}/source.eml`)
      .set('Cookie', sessions.editor.cookie);
    expect(dl.status).toBe(403);
    expect(dl.text).not.toContain('with NUL');
  });

  it('pages through every message once with the keyset cursor', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/admin/feedback';
    let pages = 0;
    while (path) {
      const res = await get(sessions.admin, path);
      expect(res.status).toBe(200);
      for (const r of rowIds(res.text, 'inbound')) seen.push(/inbound\/(\d+)"/.exec(r)![1]!);
      const next = /<a class="button secondary" rel="next" href="([^"]+)"/.exec(res.text)?.[1];
      path = next ? decode(next) : undefined;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(64);
    expect(new Set(seen).size).toBe(64);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
  });

  it('filters by status and classification (and "none" for not classified), refusing unknown values', async () => {
    const unparsed = await get(sessions.ops, '/admin/feedback?status=unparsed');
    const rows = rowIds(unparsed.text, 'inbound');
    expect(rows).toHaveLength(2);
    expect(unparsed.text).toMatch(/<option value="unparsed"\s+selected/);
    const none = rowIds((await get(sessions.ops, '/admin/feedback?classification=none')).text, 'inbound');
    expect(none).toHaveLength(2); // the big unparsed one and the one not processed yet
    const bounces = await get(sessions.ops, '/admin/feedback?classification=hard-bounce&status=processed');
    expect(rowIds(bounces.text, 'inbound')).toHaveLength(1);
    const nothing = await get(sessions.ops, '/admin/feedback?classification=complaint');
    expect(nothing.text).toContain('No inbound messages match.');

    const bad = await get(sessions.ops, '/admin/feedback?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Status must be one of: received, processed, unparsed, ignored');
    expect((await get(sessions.ops, '/admin/feedback?cursor=abc')).status).toBe(400);
    expect((await get(sessions.ops, '/admin/feedback?other=1')).status).toBe(400);
  });

  it('shows an operator one message with its source as escaped text, control bytes replaced', async () => {
    const res = await get(sessions.ops, `/admin/feedback/inbound/${hostileId}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`Inbound message #${hostileId}`);
    expect(res.text).toContain('&#60;&#62; (null sender: a bounce)');
    const source = /<pre class="raw" id="raw-source"[^>]*>([\s\S]*?)<\/pre>/.exec(res.text)![1]!;
    expect(source).toContain(`Subject: ${HOSTILE_ESCAPED}`);
    expect(source).not.toContain('<script');
    expect(source).toContain('body\ufffdwith NUL\ufffd[31m');
    // eslint-disable-next-line no-control-regex
    expect(source).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(res.text).not.toContain('id="raw-truncated"');
    expect(res.text).toContain(`href="/admin/feedback/inbound/${hostileId}/source.eml"`);
  });

  it('caps the source shown at 64 KB, and the download has every byte as an .eml attachment', async () => {
    const page = await get(sessions.admin, `/admin/feedback/inbound/${bigId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="raw-truncated"');
    expect(page.text).toContain(`of ${bigRaw.length} bytes`);
    expect(page.text).not.toContain('END-OF-BIG');

    for (const [id, raw] of [
      [bigId, bigRaw],
      [hostileId, hostileRaw],
    ] as const) {
      const dl = await api()
        .get(`/admin/feedback/inbound/${id}/source.eml`)
        .set('Cookie', sessions.ops.cookie)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(dl.status).toBe(200);
      expect(dl.headers['content-type']).toBe('message/rfc822');
      expect(dl.headers['content-disposition']).toBe(`attachment; filename="inbound-${id}.eml"`);
      expect(dl.headers['x-content-type-options']).toBe('nosniff');
      expect(dl.headers['cache-control']).toContain('no-store');
      expect(Buffer.compare(dl.body as Buffer, raw)).toBe(0);
    }
  });

  it('answers unknown and malformed message ids with console pages (404, 400)', async () => {
    const missing = await get(sessions.ops, '/admin/feedback/inbound/99999999');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Inbound message 99999999 does not exist');
    expect(decode(missing.text)).toContain('href="/admin/feedback">Back to Bounces & complaints');
    expect((await get(sessions.ops, '/admin/feedback/inbound/abc')).status).toBe(400);
    const dl = await api()
      .get('/admin/feedback/inbound/99999999/source.eml')
      .set('Cookie', sessions.ops.cookie);
    expect(dl.status).toBe(404);
    expect(dl.text).not.toMatch(/at .*\.js/);
  });

  it('lists feedback events with source, kind, links and status code, filtered by campaign, kind and source', async () => {
    const res = await get(sessions.editor, '/admin/feedback/events');
    expect(res.status).toBe(200);
    const rows = rowIds(res.text, 'events');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('mailto');
    expect(rows[1]).toMatch(/class="badge status-bad">complaint</);
    expect(rows[2]).toContain('5.1.1');
    expect(rows[2]).toContain(`href="/admin/campaigns/${campaignId}"`);
    expect(rows[2]).toContain(`#${bounceId}`);
    expect(rows[2]).not.toContain('/admin/feedback/inbound/'); // editors: no link to the source
    expect(res.text).toContain(HOSTILE_ESCAPED);
    expect(res.text).not.toContain(HOSTILE);
    const ops = await get(sessions.ops, '/admin/feedback/events');
    expect(ops.text).toContain(`href="/admin/feedback/inbound/${bounceId}"`);

    const forCampaign = await get(sessions.ops, `/admin/feedback/events?campaign=${campaignId}`);
    expect(rowIds(forCampaign.text, 'events')).toHaveLength(2);
    expect(forCampaign.text).toContain(`value="${campaignId}"`);
    const complaints = await get(sessions.ops, '/admin/feedback/events?kind=complaint&source=arf');
    expect(rowIds(complaints.text, 'events')).toHaveLength(1);
    const bad = await get(sessions.ops, '/admin/feedback/events?campaign=-1');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Campaign must be a campaign number');
    expect((await get(sessions.ops, '/admin/feedback/events?source=pigeon')).status).toBe(400);
  });

  it('answers hostile query strings with a page, never a 5xx or reflected markup', async () => {
    const problems: string[] = [];
    for (const path of ['/admin/feedback', '/admin/feedback/events']) {
      for (const name of ['status', 'classification', 'cursor', 'kind', 'source', 'campaign']) {
        for (const v of FUZZ) {
          const res: request.Response = await get(sessions.ops, `${path}?${name}=${pct(v)}`);
          const bad = misbehaves(res, v);
          if (bad) problems.push(`${path} ${name}=${JSON.stringify(v.slice(0, 20))}: ${bad}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('is closed without a session', async () => {
    const res = await api().get('/admin/feedback/events').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    const dl = await api().get(`/admin/feedback/inbound/${hostileId}/source.eml`);
    expect(dl.status).toBe(401);
  });
});
