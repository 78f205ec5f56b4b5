import { FeedbackService, SubscriptionService } from '@app/core';
import { FeedbackKind, FeedbackSource } from '@app/database';
import request from 'supertest';
import { header, unsubscribeUrlOf } from './campaign.fixtures';
import { consoleGet, consoleLogin } from './helpers/console-session';
import { LINKS } from './fixtures/crank-call-2025-04-links';
import { BROWSER, report, sendIssue, trackedPaths } from './helpers/clicks';
import { campaignWorld } from './helpers/scenarios';

/**
 * Issue 15: click tracking end to end, per TRACKING mode. A campaign of an issue with links goes to the
 * in-process SMTP sink; the links are clicked from the captured messages; the report is checked. Also: the
 * 404 of forged tokens (never a redirect), the archive left as written, and unsubscribes (one-click, page,
 * mailto) attributed to the campaign.
 */
describe('click tracking: TRACKING=aggregate (the default)', () => {
  const w = campaignWorld({ inProcessWorker: true, env: { CLICK_MACHINE_AFTER_SEND_S: '0' } });

  it('rewrites every http(s) link of the message, redirects each to its link, counts clicks without naming readers', async () => {
    const { id, mails } = await sendIssue(w, 'agg', 3, '2025-04');
    const paths = mails.map(trackedPaths);
    const distinct = new Set(Object.values(LINKS)).size;
    for (const p of paths) expect(p).toHaveLength(distinct);
    // the html part carries the same tracked links and none of the addresses as written
    expect(mails[0]!.parsed.html).toContain('https://news.example.test/l/');
    expect(mails[0]!.parsed.html).not.toContain(`href="${LINKS.rudenko}"`);
    // the unsubscribe and preferences links carry the campaign
    expect(unsubscribeUrlOf(mails[0]!).searchParams.get('c')).toBe(String(id));

    const targets: string[] = [];
    for (const p of paths[0]!) {
      const res = await request(w.h.baseUrl).get(p).set('User-Agent', BROWSER);
      expect(res.status).toBe(302);
      expect(res.headers['cache-control']).toBe('no-store');
      targets.push(res.headers.location as string);
    }
    expect(new Set(targets)).toEqual(new Set(Object.values(LINKS)));
    // reader 2 clicks the first link twice (3 s apart, so no scanner), reader 3 the first link once
    await request(w.h.baseUrl).get(paths[1]![0]!).set('User-Agent', BROWSER).expect(302);
    await new Promise((r) => setTimeout(r, 2100));
    await request(w.h.baseUrl).get(paths[1]![0]!).set('User-Agent', BROWSER).expect(302);
    await request(w.h.baseUrl).get(paths[2]![0]!).set('User-Agent', BROWSER).expect(302);
    // a scanner and a HEAD request are machine clicks
    await request(w.h.baseUrl)
      .get(paths[2]![1]!)
      .set('User-Agent', 'Mozilla/5.0 (compatible; Barracuda Sentinel)')
      .expect(302);
    await request(w.h.baseUrl).head(paths[2]![2]!).set('User-Agent', BROWSER).expect(302);

    const r = await report(w, id);
    expect(r.tracking).toBe('aggregate');
    expect([r.sent, r.delivered]).toEqual([3, 3]);
    const first = r.clicks.links[0]!;
    expect(first.url).toBe(targets[0]);
    // reader 1 clicked every link within 2 s: all of those are machine clicks (a scanner's pattern)
    expect(first.human).toBe(3);
    expect(first.unique).toBe(2);
    expect(r.clicks.machine).toBe(distinct + 2);
    expect(r.clicks.uniqueHumans).toBe(2);
    expect(r.clicks.clickRate).toEqual({ count: 2, of: 3, rate: 2 / 3 });
    expect(r.timeline).toHaveLength(72);
    expect(r.timeline[0]!.clicks).toBe(3);
    expect(r.opens).toBeNull();
    // aggregate mode keeps no row per reader
    expect(await w.h.query('SELECT * FROM delivery_click')).toEqual([]);

    const csv = await w.api.get(`/api/admin/campaigns/${id}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain(`link,${targets[0]},3,2,,`);
  });

  it('forged, altered, truncated, padded and other-campaign tokens get a 404 page with the archive link, never a redirect', async () => {
    const [m] = [...w.receivedBy('agg').values()].map((x) => x[0]!);
    const good = trackedPaths(m!)[0]!;
    const token = good.slice(3);
    const [body, mac] = token.split('.') as [string, string];
    for (const bad of [
      `/l/${token.slice(0, -2)}`,
      `/l/${token}AA`,
      `/l/${token}=`,
      `/l/${body}.${'A'.repeat(22)}`,
      `/l/${body.slice(0, 4)}${body[4] === 'x' ? 'y' : 'x'}${body.slice(5)}.${mac}`,
      `/l/${Buffer.from('l1-0-1-1').toString('base64url')}.${mac}`,
      '/l/https%3A%2F%2Fevil.example%2F',
      '/l/..%2F..%2Fadmin',
    ]) {
      const res = await request(w.h.baseUrl).get(bad).set('User-Agent', BROWSER);
      expect([bad, res.status]).toEqual([bad, 404]);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('href="/archive"');
    }
  });

  it('the archive page keeps the links as written', async () => {
    const res = await request(w.h.baseUrl).get('/archive/2025-04');
    expect(res.status).toBe(200);
    expect(res.text).toContain(LINKS.rudenko.replace(/&/g, '&amp;'));
    expect(res.text).not.toContain('/l/');
  });

  it('unsubscribes by one-click, by page and by mailto are attributed to the campaign', async () => {
    const { id, mails } = await sendIssue(w, 'att', 4, '2025-03');
    const byTo = (i: number) => mails.find((m) => m.envelopeTo[0] === `att-${i}@example.test`)!;
    // 1: RFC 8058 one-click POST to the List-Unsubscribe URL
    const one = unsubscribeUrlOf(byTo(1));
    await request(w.h.baseUrl)
      .post(one.pathname + one.search)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    // 2: the unsubscribe page's button (GET keeps the campaign on the form)
    const page = unsubscribeUrlOf(byTo(2));
    const form = await request(w.h.baseUrl).get(page.pathname + page.search);
    const action = /action="([^"]+)"/
      .exec(form.text)![1]!
      .replace(/&#38;|&amp;/g, '&')
      .replace(/&#61;/g, '=');
    expect(action).toContain(`c=${id}`);
    await request(w.h.baseUrl).post(action).expect(200);
    // 3: the preferences page's unsubscribe (its hidden c field)
    const prefs = new URL(/Manage preferences: (\S+)/.exec(byTo(3).parsed.text ?? '')![1]!);
    expect(prefs.searchParams.get('c')).toBe(String(id));
    const pp = await request(w.h.baseUrl).get(prefs.pathname + prefs.search);
    expect(pp.text).toContain(`name="c" value="${id}"`);
    expect(pp.text).toContain('Link tracking is aggregate');
    await request(w.h.baseUrl)
      .post('/preferences/unsubscribe')
      .type('form')
      .send({ token: prefs.searchParams.get('token'), c: String(id) })
      .expect(200);
    // 4: the List-Unsubscribe mailto, as the inbound server hands it over (VERP address names the campaign)
    const [s4] = await w.h.query<{ id: number }>(
      `SELECT id FROM subscriber WHERE email = 'att-4@example.test'`,
    );
    expect(header(byTo(4), 'List-Unsubscribe')).toMatch(/mailto:unsubscribe\+/);
    await w.h.app.get(FeedbackService).apply({
      source: FeedbackSource.Mailto,
      dedupeKey: `test-mailto-${id}`,
      kind: FeedbackKind.Unsubscribe,
      refs: [{ by: 'subscriber', subscriberId: s4!.id }],
      campaignId: id,
    });
    const rows = await w.h.query<{ source: string; campaign_id: number }>(
      `SELECT source, campaign_id FROM subscriber_event WHERE type = 'unsubscribed' AND campaign_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows.map((r) => r.source)).toEqual(['one-click', 'unsubscribe-page', 'preferences', 'mailto']);
    // a campaign that did not send to the reader is not kept (the parameter is not signed)
    const r = await report(w, id);
    expect(r.unsubscribes).toEqual({ count: 4, of: 4, rate: 1 });
    const overview = await w.api.get('/api/admin/reports');
    expect(overview.status).toBe(200);
    const line = (overview.body as { issues: { campaignId: number; unsubscribes: unknown }[] }).issues.find(
      (i) => i.campaignId === id,
    );
    expect(line?.unsubscribes).toEqual({ count: 4, of: 4, rate: 1 });
    expect(
      (overview.body as { growth: { month: string; unsubscribed: number }[] }).growth.at(-1)!.unsubscribed,
    ).toBeGreaterThanOrEqual(4);
  });

  it('an unsubscribe naming a campaign that never sent to the reader is recorded without it', async () => {
    const m = w.receivedBy('agg').get('agg-1@example.test')![0]!;
    // a later audience retired this reader: subscribed again, so the unsubscribe below changes something
    await w.h.query(`UPDATE subscriber SET status = 'confirmed' WHERE email = 'agg-1@example.test'`);
    const url = unsubscribeUrlOf(m);
    url.searchParams.set('c', '999999');
    await request(w.h.baseUrl)
      .post(url.pathname + url.search)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    const [row] = await w.h.query<{ campaign_id: number | null }>(
      `SELECT campaign_id FROM subscriber_event WHERE type = 'unsubscribed' ORDER BY id DESC LIMIT 1`,
    );
    expect(row!.campaign_id).toBeNull();
  });
});

describe('click tracking: TRACKING=individual with OPEN_TRACKING=true', () => {
  const w = campaignWorld({
    inProcessWorker: true,
    env: { TRACKING: 'individual', OPEN_TRACKING: 'true', CLICK_MACHINE_AFTER_SEND_S: '0' },
  });

  it('records clicks per delivery (history and data export), an open pixel, and nothing about an erased reader', async () => {
    const { id, mails } = await sendIssue(w, 'ind', 2, '2025-04');
    const pixel = /https:\/\/news\.example\.test(\/o\/[A-Za-z0-9_.-]+)/.exec(
      mails[0]!.parsed.html || '',
    )?.[1];
    expect(pixel).toBeDefined();
    const img = await request(w.h.baseUrl).get(pixel!).set('User-Agent', BROWSER);
    expect([img.status, img.headers['content-type']]).toEqual([200, 'image/gif']);
    const reader = mails.find((m) => m.envelopeTo[0] === 'ind-1@example.test')!;
    const erased = mails.find((m) => m.envelopeTo[0] === 'ind-2@example.test')!;
    await request(w.h.baseUrl).get(trackedPaths(reader)[0]!).set('User-Agent', BROWSER).expect(302);
    const subs = await w.h.query<{ id: number; email: string }>(
      `SELECT id, email FROM subscriber WHERE email LIKE 'ind-%' ORDER BY email`,
    );
    await w.h.app.get(SubscriptionService).erase(subs[1]!.id, { source: 'test' });
    // the erased reader's link still works; nothing is recorded about it
    await request(w.h.baseUrl).get(trackedPaths(erased)[1]!).set('User-Agent', BROWSER).expect(302);

    const r = await report(w, id);
    expect(r.tracking).toBe('individual');
    expect(r.clicks.human).toBe(1);
    expect(r.clicks.links[0]!.human).toBe(1);
    expect(r.clicks.links[1]!.human).toBe(0);
    expect(r.opens?.note).toMatch(/Apple Mail Privacy Protection/);
    const rows = await w.h.query<{ delivery_id: string; link_index: number }>(
      `SELECT delivery_id, link_index FROM delivery_click ORDER BY id`,
    );
    expect(rows.map((x) => x.link_index).sort()).toEqual([-1, 0].sort());
    const data = await w.h.app.get(SubscriptionService).exportData(subs[0]!.id);
    expect(data.clicks.filter((k) => k.link !== null)).toEqual([
      { edition: '2025-04', link: LINKS.rudenko, machine: false, at: expect.any(String) },
    ]);
    // the reader's page in the console lists them under the history
    const session = await consoleLogin(w.h, 'editor');
    const page = await consoleGet(w.h, session, `/admin/subscribers/${subs[0]!.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2>Clicks</h2>');
    expect(page.text).toContain(LINKS.rudenko.split('?')[0]); // the page escapes the query's = and &
    expect(page.text).toContain('opened (image loaded)');
  });
});

describe('click tracking: TRACKING=off', () => {
  const w = campaignWorld({ inProcessWorker: true, env: { TRACKING: 'off' } });

  it('sends links as written and records no clicks', async () => {
    const { id, mails } = await sendIssue(w, 'off', 2, '2025-04');
    expect(mails[0]!.parsed.text).toContain(LINKS.rudenko);
    expect(mails[0]!.parsed.text).not.toContain('/l/');
    expect(mails[0]!.parsed.html).not.toContain('/o/');
    const r = await report(w, id);
    expect(r.tracking).toBe('off');
    expect(r.clicks.human + r.clicks.machine).toBe(0);
    expect(await w.h.query('SELECT * FROM campaign_click')).toEqual([]);
    const page = await w.api.get(`/admin/campaigns/${id}/report`);
    expect([401, 302, 303, 403, 200]).toContain(page.status);
  });
});
