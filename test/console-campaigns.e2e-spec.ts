import {
  CAMPAIGN_TEST_ENV,
  createEdition,
  getCampaign,
  seedAudience,
  startCampaign,
  waitForCampaign,
} from './campaign.fixtures';
import { hiddenField } from './helpers/console-session';
import { consoleWorld } from './helpers/scenarios';

/**
 * The campaigns part of the console and its dashboard: the list, the live page (same numbers as the ledger),
 * pause/resume/cancel/send-missed through the forms (and who may), the delivery log with its filters.
 * A low global send rate keeps one campaign running long enough to steer it.
 */

/** The page escapes every character HTML could misread (`&#61;` for `=`), as a browser reads it back. */
function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** Text content of the element with this id (no nested markup expected). */
function byId(body: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body);
  return m?.[1]?.trim();
}

/** Whether the form posting to `action` is rendered and not hidden. */
function formShown(body: string, action: string): boolean {
  const m = new RegExp(`<form[^>]*action="${action.replace(/[/]/g, '\\/')}"[^>]*>`).exec(body);
  return !!m && !/\shidden[\s>]/.test(m[0]);
}

function rowsOf(body: string): string[] {
  const tbody = /<table id="deliveries">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(body);
  if (!tbody) return [];
  return [...tbody[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
}

describe('console: campaigns and dashboard', () => {
  const { h, api, sessions, get, post } = consoleWorld({
    roles: ['admin', 'editor', 'ops'],
    inProcessWorker: true,
    env: { ...CAMPAIGN_TEST_ENV, SEND_RATE_PER_SECOND: '40' },
  });
  const campaignStatus = async (id: number) =>
    (await h.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [id]))[0]!.status;

  let doneId = 0;
  let doneEditionId = 0;

  beforeAll(async () => {
    // A finished campaign of 120 readers (3 s at 40/s), the base of most page checks.
    await seedAudience(h, 'done', 120);
    doneEditionId = await createEdition(h, '2025-01');
    doneId = (await startCampaign(h, doneEditionId)).id;
    await waitForCampaign(h, doneId, (c) => c.status === 'completed', 'completed', 60000);
  }, 120000);

  it('serves the live scripts as JavaScript, from the URLs the campaign page links', async () => {
    const page = await get(sessions.ops, `/admin/campaigns/${doneId}`);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((m) => m[1]!);
    // the shared figures first, then the script that uses them
    expect(scripts).toEqual([
      expect.stringMatching(/^\/assets\/campaign-progress\.[0-9a-f]{12}\.js$/),
      expect.stringMatching(/^\/assets\/campaign-live\.[0-9a-f]{12}\.js$/),
    ]);
    const [progress, live] = await Promise.all(scripts.map((src) => api().get(src)));
    for (const res of [progress!, live!]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/javascript/);
    }
    expect(progress!.text).toContain('root.CampaignProgress = factory()');
    expect(live!.text).toContain("getElementById('campaign-live')");
    expect(live!.text).toContain('CP.progressOf(');
  });

  it('sends browsers without a session to the login page', async () => {
    const res = await api().get('/admin/campaigns').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/login\?next=/);
  });

  it('dashboard: subscriber counts, latest campaigns and editions, role-aware links', async () => {
    await h.query(
      `INSERT INTO subscriber (email, status) VALUES ('dash-p1@example.test', 'pending'), ('dash-p2@example.test', 'pending'),
              ('dash-b@example.test', 'bounced')`,
    );
    const [expected] = await h.query<{ confirmed: number; pending: number; bounced: number; total: number }>(
      `SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'bounced')::int AS bounced,
              count(*)::int AS total FROM subscriber WHERE erased_at IS NULL`,
    );
    const res = await get(sessions.editor, '/admin');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(byId(res.text, 'subscribers-confirmed')).toBe('120');
    expect(byId(res.text, 'subscribers-pending')).toBe(String(expected!.pending));
    expect(byId(res.text, 'subscribers-bounced')).toBe(String(expected!.bounced));
    expect(byId(res.text, 'subscribers-total')).toBe(String(expected!.total));
    expect(res.text).toContain(`href="/admin/campaigns/${doneId}"`);
    expect(res.text).toContain(`href="/admin/editions/${doneEditionId}"`);
    expect(res.text).toContain('2025-01');
    expect(res.text).toContain('id="no-active"');
    // the layout's sign-out form and the user's email stay on the home page
    expect(res.text).toContain('name="_csrf"');
    expect(res.text).toContain(sessions.editor.email);
    expect(res.text).not.toContain('href="/admin/queues"');

    const asOps = await get(sessions.ops, '/admin');
    expect(asOps.status).toBe(200);
    expect(asOps.text).toContain('href="/admin/queues"');
    expect(asOps.text).toContain(sessions.ops.email);
  });

  it('lists campaigns with their ledger counts', async () => {
    const res = await get(sessions.ops, '/admin/campaigns');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<a href="/admin/campaigns/${doneId}">#${doneId}</a>`);
    expect(res.text).toMatch(/class="badge status-ok">completed</);
    expect(res.text).toContain('<td class="num">120</td>');
    const bad = await get(sessions.ops, '/admin/campaigns?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('cursor must be');
  });

  it('shows a finished campaign with the ledger numbers, first paint without script', async () => {
    const c = await getCampaign(h, doneId);
    const res = await get(sessions.editor, `/admin/campaigns/${doneId}`);
    expect(res.status).toBe(200);
    expect(byId(res.text, 'campaign-status')).toBe('completed');
    expect(byId(res.text, 'count-sent')).toBe('120');
    expect(byId(res.text, 'count-failed')).toBe('0');
    expect(byId(res.text, 'count-bounced')).toBe('0');
    expect(byId(res.text, 'count-skipped')).toBe('0');
    expect(byId(res.text, 'count-pending')).toBe('0');
    expect(byId(res.text, 'count-total')).toBe('120');
    expect(byId(res.text, 'eta')).toBe('done');
    expect(byId(res.text, 'rate')).toMatch(/^\d+(\.\d)? msg\/s$/);
    // the average over the run, from the campaign's own timestamps
    const seconds = (Date.parse(c.finishedAt!) - Date.parse(c.startedAt!)) / 1000;
    const rate = 120 / seconds;
    expect(byId(res.text, 'rate')).toBe(`${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} msg/s`);
    expect(res.text).toMatch(/<progress\s+id="campaign-progress"\s+max="120"\s+value="120"/);
    expect(res.text).toContain('<label for="campaign-progress">');
    expect(res.text).toContain('aria-live="polite"');
    expect(res.text).toContain(`data-poll-url="/api/admin/campaigns/${doneId}"`);
    expect(res.text).toMatch(/<script src="\/assets\/campaign-live\.[0-9a-f]{12}\.js" defer><\/script>/);
    expect(formShown(res.text, `/admin/campaigns/${doneId}/pause`)).toBe(false);
    expect(formShown(res.text, `/admin/campaigns/${doneId}/resume`)).toBe(false);
    expect(formShown(res.text, `/admin/campaigns/${doneId}/cancel`)).toBe(false);
    expect(formShown(res.text, `/admin/campaigns/${doneId}/send-missed`)).toBe(true);
    // A send-now campaign shows when it was requested, no "Scheduled" time
    expect(res.text).not.toContain('id="scheduled-at"');
    expect(res.text).not.toContain('Scheduled');
    expect(byId(res.text, 'requested-at')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    // The latest 20 deliveries on the page itself, newest change first
    const latest = /<table id="latest-deliveries">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(res.text);
    expect(latest).not.toBeNull();
    const latestRows = [...latest![1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
    expect(latestRows).toHaveLength(20);
    for (const row of latestRows) expect(row).toMatch(/done-\d+@example\.test[\s\S]*>sent</);
    const [newest] = await h.query<{ email: string }>(
      `SELECT s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 ORDER BY d.updated_at DESC, d.id DESC LIMIT 1`,
      [doneId],
    );
    expect(latestRows[0]).toContain(`>${newest!.email}</a>`);

    // What the script polls answers the session cookie with the same numbers.
    const json = await api()
      .get(`/api/admin/campaigns/${doneId}`)
      .set('Cookie', sessions.ops.cookie)
      .set('Accept', 'application/json');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ status: 'completed', sent: 120, pending: 0, total: 120 });
  });

  it('shows a campaign scheduled for later with its time, "no deliveries yet" and no time left to tell', async () => {
    const editionId = await createEdition(h, '2025-09');
    const at = new Date(Date.now() + 86_400_000);
    const c = await startCampaign(h, editionId, at.toISOString());
    try {
      const res = await get(sessions.editor, `/admin/campaigns/${c.id}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<dt>Scheduled for</dt>');
      expect(byId(res.text, 'scheduled-at')).toBe(`${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
      expect(res.text).not.toContain('id="requested-at"');
      expect(res.text).toContain('id="latest-deliveries-empty"');
      expect(byId(res.text, 'eta')).toBe('—');
    } finally {
      expect(
        (
          await api()
            .post(`/api/admin/campaigns/${c.id}/cancel`)
            .set('Authorization', `Bearer ${h.adminToken}`)
        ).status,
      ).toBe(200);
    }
  });

  it('shows late bounces and complaints with their rates, the 0.3 % complaint limit highlighted (issue 13)', async () => {
    // what processing a DSN and an ARF report leaves behind, written directly (the parsers have their own tests)
    const ids = await h.query<{ id: number; subscriber_id: number }>(
      'SELECT id, subscriber_id FROM delivery WHERE campaign_id = $1 ORDER BY id LIMIT 3',
      [doneId],
    );
    const [late, complained, atSend] = ids;
    try {
      await h.query(`UPDATE delivery SET status = 'bounced' WHERE id = ANY($1::bigint[])`, [
        [late!.id, atSend!.id],
      ]);
      await h.query(`UPDATE delivery SET status = 'complained' WHERE id = $1`, [complained!.id]);
      await h.query(
        `INSERT INTO mail_feedback (source, dedupe_key, kind, delivery_id, campaign_id, subscriber_id, status_code)
         VALUES ('dsn', 'test-late-1', 'soft-bounce', $1, $4, $5, '4.2.2'),
                ('dsn', 'test-late-2', 'hard-bounce', $1, $4, $5, '5.1.1'),
                ('smtp', 'test-at-send', 'hard-bounce', $2, $4, $6, '550'),
                ('arf', 'test-complaint', 'complaint', $3, $4, $7, NULL)`,
        [
          late!.id,
          atSend!.id,
          complained!.id,
          doneId,
          late!.subscriber_id,
          atSend!.subscriber_id,
          complained!.subscriber_id,
        ],
      );
      const res = await get(sessions.ops, `/admin/campaigns/${doneId}`);
      expect(res.status).toBe(200);
      expect(byId(res.text, 'count-bounced')).toBe('2');
      expect(byId(res.text, 'count-complained')).toBe('1');
      // the DSN's "delayed" then "failed" for one delivery is one late bounce; the 5xx at send time is none
      expect(byId(res.text, 'count-lateBounces')).toBe('1');
      expect(byId(res.text, 'bounce-rate')).toBe(`${((2 / 120) * 100).toFixed(2)} %`);
      expect(byId(res.text, 'complaint-rate')).toBe(`${((1 / 118) * 100).toFixed(2)} %`);
      expect(byId(res.text, 'complaint-note')).toBe('at or above the 0.3 % limit');
      expect(res.text).toMatch(/id="complaint-rate-box"\s+class="over-limit"/);
      expect(decodeEntities(res.text)).toContain(`href="/admin/feedback/events?campaign=${doneId}"`);

      const json = await api()
        .get(`/api/admin/campaigns/${doneId}`)
        .auth(h.adminToken, { type: 'bearer' })
        .set('Accept', 'application/json');
      expect(json.body).toMatchObject({
        sent: 117,
        bounced: 2,
        complained: 1,
        lateBounces: 1,
        complaintRateOverLimit: true,
      });
      expect(json.body.bounceRate).toBeCloseTo(2 / 120, 10);
      expect(json.body.complaintRate).toBeCloseTo(1 / 118, 10);
      const list = await api().get('/api/admin/campaigns').auth(h.adminToken, { type: 'bearer' });
      expect(list.body.items.find((c: { id: number }) => c.id === doneId)).toMatchObject({ lateBounces: 1 });
      const listPage = await get(sessions.ops, '/admin/campaigns');
      expect(listPage.text).toContain('over 0.3 %');
    } finally {
      await h.query(`DELETE FROM mail_feedback WHERE dedupe_key LIKE 'test-%'`);
      await h.query(`UPDATE delivery SET status = 'sent' WHERE id = ANY($1::bigint[])`, [
        ids.map((d) => d.id),
      ]);
    }
    const clean = await get(sessions.ops, `/admin/campaigns/${doneId}`);
    expect(byId(clean.text, 'complaint-rate')).toBe('0.00 %');
    expect(byId(clean.text, 'complaint-note')).toBe('');
    expect(clean.text).not.toContain('class="over-limit"');
  });

  it('answers unknown campaign ids with a 404 page and malformed ones with a 400 page, in the console', async () => {
    for (const [path, status] of [
      ['/admin/campaigns/999999', 404],
      ['/admin/campaigns/99999999999', 404],
      ['/admin/campaigns/abc', 400],
    ] as const) {
      const res = await get(sessions.editor, path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain('CRANK Call console');
      // a full console page: the navigation, and a way back to the section
      expect(res.text).toContain('<nav aria-label="Console">');
      expect(res.text).toContain('<a href="/admin/campaigns">Back to Campaigns</a>');
    }
  });

  it('delivery log: status filter, email search, next page, bad filters refused', async () => {
    const base = `/admin/campaigns/${doneId}/deliveries`;
    const first = await get(sessions.ops, `${base}?status=sent`);
    expect(first.status).toBe(200);
    const rows = rowsOf(first.text);
    expect(rows).toHaveLength(100);
    expect(rows[0]).toMatch(/done-\d+@example\.test/);
    expect(rows[0]).toContain('>sent<');
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first.text);
    expect(next).not.toBeNull();
    const href = decodeEntities(next![1]!);
    expect(href).toMatch(/status=sent&cursor=\d+/);
    const second = await get(sessions.ops, href);
    expect(second.status).toBe(200);
    expect(rowsOf(second.text)).toHaveLength(20);
    expect(second.text).toContain('End of the log.');

    // the search is a case-insensitive substring: done-7, done-70 … done-79
    const search = await get(sessions.ops, `${base}?q=DONE-7`);
    expect(search.status).toBe(200);
    const found = rowsOf(search.text).map((r) => /(done-\d+)@/.exec(r)![1]);
    expect(found.sort()).toEqual(['done-7', ...Array.from({ length: 10 }, (_, i) => `done-7${i}`)].sort());
    // LIKE wildcards are literal
    expect(rowsOf((await get(sessions.ops, `${base}?q=${encodeURIComponent('%')}`)).text)).toHaveLength(0);

    // a failure recorded by the worker shows with its (escaped) reason, and the failed filter finds only it
    await h.query(
      `UPDATE delivery SET status = 'failed', attempts = 5, last_response = '550 <b>mailbox</b> unavailable'
        WHERE id = (SELECT d.id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
                     WHERE d.campaign_id = $1 AND s.email = 'done-3@example.test')`,
      [doneId],
    );
    const failed = await get(sessions.ops, `${base}?status=failed`);
    const failedRows = rowsOf(failed.text);
    expect(failedRows).toHaveLength(1);
    expect(failedRows[0]).toContain('done-3@example.test');
    expect(failedRows[0]).toContain('&#60;b&#62;mailbox&#60;/b&#62;');
    expect(failedRows[0]).not.toContain('<b>');
    expect(failedRows[0]).toMatch(/<td class="num">5<\/td>/);

    const typed = await get(sessions.ops, `${base}?q=${encodeURIComponent('<script>x</script>')}`);
    expect(typed.status).toBe(200);
    expect(typed.text).not.toContain('<script>x');
    expect(typed.text).toContain('value="&#60;script&#62;x&#60;/script&#62;"');

    const badStatus = await get(sessions.ops, `${base}?status=delivered`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.text).toContain(
      'Status must be one of: queued, sending, sent, failed, bounced, complained, skipped',
    );
    const badCursor = await get(sessions.ops, `${base}?cursor=-1`);
    expect(badCursor.status).toBe(400);
    const twice = await get(sessions.ops, `${base}?status=sent&status=failed`);
    expect(twice.status).toBe(400);
    const missing = await get(sessions.ops, '/admin/campaigns/999999/deliveries');
    expect(missing.status).toBe(404);
  });

  it('refuses a state change the campaign cannot make with a 409 page', async () => {
    const res = await post(sessions.editor, `/admin/campaigns/${doneId}/pause`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Cannot pause a campaign that is completed');
    expect(byId(res.text, 'campaign-status')).toBe('completed');
    const form = await get(sessions.editor, `/admin/campaigns/${doneId}/cancel`);
    expect(form.status).toBe(409);
    expect(form.text).not.toContain('id="confirm"');
  });

  it('sends to missed subscribers from the form (editors only)', async () => {
    await h.query(
      `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
       VALUES ('late-1@example.test', 'confirmed', now(), 'test', now()), ('late-2@example.test', 'confirmed', now(), 'test', now())`,
    );
    const refused = await post(sessions.ops, `/admin/campaigns/${doneId}/send-missed`);
    expect(refused.status).toBe(403);
    const res = await post(sessions.editor, `/admin/campaigns/${doneId}/send-missed`);
    expect(res.status).toBe(303);
    // two new readers, and the delivery marked failed above queued again
    expect(res.headers.location).toBe(`/admin/campaigns/${doneId}?notice=missed&added=2&requeued=1`);
    const done = await waitForCampaign(h, doneId, (c) => c.status === 'completed' && c.pending === 0, 'done');
    expect(done).toMatchObject({ total: 122, sent: 122, failed: 0 });
    const page = await get(sessions.editor, res.headers.location!);
    expect(page.text).toContain('Queued the edition for subscribers who missed it.');
    expect(page.text).toContain('Added 2 new recipients, queued 1 failed or skipped deliveries again.');
    expect(h.smtp.messages.filter((m) => m.envelopeTo.includes('late-1@example.test'))).toHaveLength(1);
  });

  describe('a running campaign', () => {
    let id = 0;
    beforeAll(async () => {
      // 1,200 readers at 40/s: about 30 s of sending, paused right away
      await seedAudience(h, 'slow', 1200);
      id = (await startCampaign(h, await createEdition(h, '2025-02'))).id;
    });

    it('shows it running with pause and cancel offered, resume not', async () => {
      const res = await get(sessions.editor, `/admin/campaigns/${id}`);
      expect(res.status).toBe(200);
      expect(byId(res.text, 'campaign-status')).toBe('running');
      expect(formShown(res.text, `/admin/campaigns/${id}/pause`)).toBe(true);
      expect(formShown(res.text, `/admin/campaigns/${id}/cancel`)).toBe(true);
      expect(formShown(res.text, `/admin/campaigns/${id}/resume`)).toBe(false);
      const asOps = await get(sessions.ops, `/admin/campaigns/${id}`);
      expect(formShown(asOps.text, `/admin/campaigns/${id}/pause`)).toBe(true);
      expect(asOps.text).not.toContain(`/admin/campaigns/${id}/cancel`);
      expect(asOps.text).not.toContain(`/admin/campaigns/${id}/resume`);
      const dash = await get(sessions.ops, '/admin');
      expect(dash.text).toContain(`Progress of campaign ${id}`);
    });

    it('refuses a form without the CSRF token', async () => {
      const res = await post(sessions.ops, `/admin/campaigns/${id}/pause`, {}, false);
      expect(res.status).toBe(403);
      expect(res.text).toContain('CSRF');
      const wrong = await post(
        sessions.editor,
        `/admin/campaigns/${id}/pause`,
        { _csrf: sessions.ops.csrf },
        false,
      );
      expect(wrong.status).toBe(403);
      expect(await campaignStatus(id)).toBe('running');
    });

    it('lets ops pause but not resume or cancel', async () => {
      const res = await post(sessions.ops, `/admin/campaigns/${id}/pause`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/campaigns/${id}?notice=paused`);
      expect(await campaignStatus(id)).toBe('paused');
      const [row] = await h.query<{ pause_reason: string }>(
        'SELECT pause_reason FROM campaign WHERE id = $1',
        [id],
      );
      expect(row!.pause_reason).toContain(sessions.ops.email);

      const page = await get(sessions.ops, res.headers.location!);
      expect(page.text).toContain('Campaign paused.');
      expect(byId(page.text, 'campaign-status')).toBe('paused');
      expect(byId(page.text, 'eta')).toBe('paused');

      expect((await post(sessions.ops, `/admin/campaigns/${id}/resume`)).status).toBe(403);
      expect((await post(sessions.ops, `/admin/campaigns/${id}/cancel`, { confirm: 'yes' })).status).toBe(
        403,
      );
      expect((await get(sessions.ops, `/admin/campaigns/${id}/cancel`)).status).toBe(403);
      expect(await campaignStatus(id)).toBe('paused');
    });

    it('lets an editor resume it', async () => {
      const c = await waitForCampaign(h, id, (x) => x.sending === 0, 'without sends in flight');
      const paused = await get(sessions.editor, `/admin/campaigns/${id}`);
      expect(byId(paused.text, 'count-sent')).toBe(String(c.sent));
      expect(formShown(paused.text, `/admin/campaigns/${id}/resume`)).toBe(true);
      expect(formShown(paused.text, `/admin/campaigns/${id}/pause`)).toBe(false);
      const res = await post(sessions.editor, `/admin/campaigns/${id}/resume`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/campaigns/${id}?notice=resumed`);
      expect(await campaignStatus(id)).toBe('running');
    });

    it('cancels only after the confirmation box is ticked', async () => {
      const form = await get(sessions.editor, `/admin/campaigns/${id}/cancel`);
      expect(form.status).toBe(200);
      expect(form.text).toContain(
        '<input type="checkbox" id="confirm" name="confirm" value="yes" required />',
      );
      const csrf = hiddenField(form.text, '_csrf');
      expect(csrf).toBe(sessions.editor.csrf);

      const unticked = await post(sessions.editor, `/admin/campaigns/${id}/cancel`);
      expect(unticked.status).toBe(400);
      expect(unticked.text).toContain('to confirm; nothing was cancelled');
      expect(await campaignStatus(id)).toBe('running');

      const res = await post(sessions.admin, `/admin/campaigns/${id}/cancel`, { confirm: 'yes' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/campaigns/${id}?notice=cancelled`);
      const [row] = await h.query<{ status: string; finished_at: Date | null }>(
        'SELECT status, finished_at FROM campaign WHERE id = $1',
        [id],
      );
      expect(row!.status).toBe('cancelled');
      expect(row!.finished_at).not.toBeNull();

      // messages already handed to SMTP finish after the cancel; compare once they have
      const c = await waitForCampaign(h, id, (x) => x.sending === 0, 'without sends in flight');
      const page = await get(sessions.editor, res.headers.location!);
      expect(page.text).toContain('Campaign cancelled.');
      expect(byId(page.text, 'campaign-status')).toBe('cancelled');
      expect(c.pending).toBeGreaterThan(0);
      expect(byId(page.text, 'count-pending')).toBe(String(c.pending));
      expect(byId(page.text, 'count-sent')).toBe(String(c.sent));
      expect(formShown(page.text, `/admin/campaigns/${id}/resume`)).toBe(false);
      expect(formShown(page.text, `/admin/campaigns/${id}/send-missed`)).toBe(false);

      const queued = await get(sessions.editor, `/admin/campaigns/${id}/deliveries?status=queued`);
      expect(queued.status).toBe(200);
      expect(rowsOf(queued.text).length).toBeGreaterThan(0);
    });
  });
});
