import { inlineText } from '@app/content';
import { EditionService, PreSendCheckService } from '@app/core';
import { escapeHtml } from '@app/email';
import { seedAudience } from './campaign.fixtures';
import {
  APRIL_WITH_LINKS_DRAFT,
  crankCallApril2025WithLinks,
  LINKS,
} from './fixtures/crank-call-2025-04-links';
import { consoleWorld } from './helpers/scenarios';

/**
 * Issue 14, links: an issue written with links is imported (text draft and Markdown), stored, exported back
 * unchanged, rendered with its links in both parts, listed by the pre-send check (which fails plain http: and
 * private-network hosts), and published with them; addresses outside the one URL policy are refused with the
 * line number (drafts) or the field (the structured API), and nothing is saved.
 */
describe('editions: links', () => {
  const {
    h,
    api,
    sessions: { editor },
    get,
  } = consoleWorld({ roles: ['editor'], inProcessWorker: true });
  const admin = () => `Bearer ${h.adminToken}`;
  const importDraft = (text: string, type = 'text/plain') =>
    api()
      .post('/api/admin/editions/import')
      .set('Authorization', admin())
      .set('Content-Type', type)
      .send(text);
  const post = (body: unknown) =>
    api()
      .post('/api/admin/editions')
      .set('Authorization', admin())
      .send(body as object);
  let aprilId: number;

  it('imports the April issue written with links, stores them, and writes them back unchanged', async () => {
    const res = await importDraft(APRIL_WITH_LINKS_DRAFT);
    expect(res.status).toBe(201);
    aprilId = res.body.id as number;
    expect(res.body.content).toEqual(crankCallApril2025WithLinks);
    const [row] = await h.query<{ content: unknown }>('SELECT content FROM edition WHERE id = $1', [aprilId]);
    expect(row!.content).toEqual(crankCallApril2025WithLinks);

    const md = await api().get(`/api/admin/editions/${aprilId}/export.md`).set('Authorization', admin());
    expect(md.status).toBe(200);
    expect(md.text).toContain(`[stated on April 8](${LINKS.rudenko})`);
    expect(md.text).toContain(`([Reuters](${LINKS.reutersBridge}), [TASS](${LINKS.tassBridge}))`);
    const back = await importDraft(md.text, 'text/markdown');
    expect(back.status).toBe(201);
    expect(back.body.id).toBe(aprilId);
    expect(back.body.content).toEqual(crankCallApril2025WithLinks);

    // the console's draft text (formatDraft) reads back as the same issue
    const page = await get(editor, `/admin/editions/${aprilId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(escapeHtml(`[Kursk Oblast](${LINKS.kursk})`));
  });

  it('refuses a draft with a javascript:, relative or credentialed link, naming the line, and saves nothing', async () => {
    const lines = APRIL_WITH_LINKS_DRAFT.split('\n');
    const cases: [number, string, RegExp][] = [
      [17, '—Xi visited Russia. ([Reuters](javascript:alert(document.cookie)), TASS)', /javascript/],
      [6, 'Gazprom [said so](/relative/path).', /relative path/],
      [28, '[A title](https://editor:secret@merics.org/x) (Claus Soong, Mercator)', /user name or password/],
      [10, `Russia [said](https://tass.com/${'a'.repeat(2001)}).`, /at most 2,000 characters/],
    ];
    for (const [n, text, expected] of cases) {
      const bad = lines.map((l, i) => (i === n - 1 ? text : l)).join('\n');
      const res = await importDraft(
        bad.replace('April 2025', 'June 2025').replace('April 2025 Highlights', 'June 2025 Highlights'),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ line: n, expected: expect.stringMatching(expected) });
      expect(res.body.message).toMatch(new RegExp(`^Line ${n}: expected `));
    }
    expect(await h.query(`SELECT id FROM edition WHERE slug = '2025-06'`)).toEqual([]);
  });

  it('the structured API takes links and refuses addresses outside the policy with 400', async () => {
    const may = {
      ...crankCallApril2025WithLinks,
      slug: '2025-05',
      subject: 'CRANK Call | May 2025',
      highlightsTitle: 'May 2025 Highlights',
    };
    const para = (href: unknown) => ({
      ...may,
      highlights: [{ headline: 'A headline', paragraphs: [['It ', { text: 'happened', href }, '.']] }],
    });
    for (const body of [
      para('javascript:alert(1)'),
      para('data:text/html,<script>alert(1)</script>'),
      para('//evil.example/x'),
      para('https://user:pw@example.org/'),
      para(`https://example.org/${'a'.repeat(2000)}`),
      para(42),
      {
        ...may,
        highlights: [
          { headline: [{ text: 'x', href: 'https://a.example/', onclick: 'x' }], paragraphs: ['p.'] },
        ],
      },
      { ...may, links: [{ text: 'Text.', sources: [{ name: 'Reuters', url: 'ftp://x.example/' }] }] },
      { ...may, links: [{ text: 'Text.', sources: [{ name: '', url: 'https://x.example/' }] }] },
      { ...may, analysis: [{ title: 'T', attribution: 'A', url: 'relative/path' }] },
    ]) {
      const res = await post(body);
      expect([res.status, res.body.message]).toEqual([400, expect.anything()]);
    }
    expect(await h.query(`SELECT id FROM edition WHERE slug = '2025-05'`)).toEqual([]);

    // the same run given as ["text"] is stored in its canonical form, a plain string
    const created = await post({
      ...para('https://www.reuters.com/a?b=1&c=2'),
      links: [{ text: ['Plain text.'], sources: ['Reuters', { name: 'TASS', url: 'https://tass.com/x' }] }],
    });
    expect(created.status).toBe(201);
    expect(created.body.content.links).toEqual([
      { text: 'Plain text.', sources: ['Reuters', { name: 'TASS', url: 'https://tass.com/x' }] },
    ]);
    expect(created.body.content.highlights[0].paragraphs[0]).toEqual([
      'It ',
      { text: 'happened', href: 'https://www.reuters.com/a?b=1&c=2' },
      '.',
    ]);
  });

  it('the structured API takes bold and italic runs, stores them canonically, refuses malformed ones', async () => {
    const june = {
      ...crankCallApril2025WithLinks,
      slug: '2025-06',
      subject: 'CRANK Call | June 2025',
      highlightsTitle: 'June 2025 Highlights',
    };
    const para = (runs: unknown[]) => ({
      ...june,
      highlights: [{ headline: 'A headline', paragraphs: [runs] }],
    });
    for (const runs of [
      ['It ', { text: 'happened', strong: false }, '.'],
      ['It ', { text: 'happened', em: 'yes' }, '.'],
      ['It ', { text: 'happened' }, '.'], // neither a link nor emphasis
      ['It ', { text: '  ', strong: true }, '.'],
      ['It ', { text: 'line\nbreak', em: true }, '.'],
      ['It ', { text: 'x', strong: true, style: 'color:red' }, '.'],
    ]) {
      const res = await post(para(runs));
      expect([res.status, res.body.message]).toEqual([400, expect.anything()]);
    }
    const created = await post(
      para([
        'It ',
        { text: ' happened ', strong: true },
        { text: 'here', em: true },
        ' and ',
        { text: 'there', href: 'https://tass.com/x', strong: true, em: true },
        '.',
      ]),
    );
    expect(created.status).toBe(201);
    // spaces moved out of the emphasis; the link keeps its marks
    expect(created.body.content.highlights[0].paragraphs[0]).toEqual([
      'It  ',
      { text: 'happened', strong: true },
      ' ',
      { text: 'here', em: true },
      ' and ',
      { text: 'there', href: 'https://tass.com/x', strong: true, em: true },
      '.',
    ]);
    const id = created.body.id as number;
    const md = await api().get(`/api/admin/editions/${id}/export.md`).set('Authorization', admin());
    expect(md.text).toContain('It  **happened** *here* and ***[there](https://tass.com/x)***.');
  });

  it('renders the links: anchors with escaped hrefs in the accent colour, "words <url>" in the text part', async () => {
    const preview = await api()
      .get(`/api/admin/editions/${aprilId}/preview.html`)
      .set('Authorization', admin());
    expect(preview.status).toBe(200);
    const rudenko = LINKS.rudenko.replace(/&/g, '&amp;');
    expect(preview.text).toMatch(
      new RegExp(
        `<a class="cc-accent" href="${rudenko.replace(/[?.]/g, '\\$&')}" style="color:#a4161a;[^"]*text-decoration:underline"[^>]*>stated on April 8</a>`,
      ),
    );
    expect(preview.text).toContain(`href="${LINKS.kursk}"`);
    expect(preview.text).toContain(`href="${LINKS.mercator}"`);
    const text = await api().get(`/api/admin/editions/${aprilId}/preview.txt`).set('Authorization', admin());
    expect(text.status).toBe(200);
    expect(text.text).toContain(`stated on April 8 <${LINKS.rudenko}>`);
    expect(text.text).toContain(`(Reuters <${LINKS.reutersXi}>, Global Times <${LINKS.globalTimes}>)`);
    expect(text.text).toContain(`Why China should welcome a US-Iran thaw <${LINKS.thinkChina}>`);
  });

  it('the pre-send check lists every link with its sites, and passes when all are https on public hosts', async () => {
    await seedAudience(h, 'links', 1);
    const check = await h.app.get(PreSendCheckService).check(aprilId);
    const item = check.items.find((i) => i.id === 'content-links')!;
    expect(item.ok).toBe(true);
    expect(item.detail).toBe(
      '8 links to 6 sites: tass.com (2), www.reuters.com (2), en.wikipedia.org (1), merics.org (1), www.globaltimes.cn (1), www.thinkchina.sg (1)',
    );
    expect(check.links.map((l) => l.href)).toEqual([
      LINKS.rudenko,
      LINKS.kursk,
      LINKS.reutersXi,
      LINKS.globalTimes,
      LINKS.reutersBridge,
      LINKS.tassBridge,
      LINKS.mercator,
      LINKS.thinkChina,
    ]);
    expect(check.links[0]).toMatchObject({
      field: 'highlights[1].paragraphs[0][1]',
      text: 'stated on April 8',
      problem: null,
    });
    const page = await get(editor, `/admin/editions/${aprilId}/check`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<li data-check="content-links" data-ok="true">/);
    // the console escapes every & = " ' ` < > as a numeric reference
    expect(page.text).toContain(
      `<code>${LINKS.rudenko.replace(/[&=]/g, (c) => `&#${c.charCodeAt(0)};`)}</code>`,
    );
  });

  it('fails the check on plain http: and private-network hosts, naming each', async () => {
    const bad = [
      'http://www.reuters.com/plain',
      'https://localhost:3000/a',
      'https://127.0.0.1/a',
      'https://10.1.2.3/a',
      'https://192.168.0.10/a',
      'https://172.20.0.1/a',
      'https://[::1]/a',
      'https://printer.local/a',
      'https://intranet/a',
    ];
    const good = ['https://172.32.0.1/a', 'https://www.reuters.com/ok'];
    const all = [...bad, ...good];
    const runs = all.flatMap((href, i) => [
      `Link ${i}: `,
      { text: `site ${i}`, href },
      i === all.length - 1 ? '.' : '. ',
    ]);
    const editions = h.app.get(EditionService);
    const july = await editions.saveDraft({
      ...crankCallApril2025WithLinks,
      slug: '2025-07',
      subject: 'CRANK Call | July 2025',
      highlightsTitle: 'July 2025 Highlights',
      highlights: [{ headline: 'Links everywhere', paragraphs: [runs] }],
    });
    const check = await h.app.get(PreSendCheckService).check(july.id);
    const item = check.items.find((i) => i.id === 'content-links')!;
    expect(item.ok).toBe(false);
    expect(check.ok).toBe(false);
    expect(item.detail).toMatch(
      /^9 of 17 links cannot go out: http:\/\/www\.reuters\.com\/plain \(highlights\[0\]\.paragraphs\[0\]\[1\]\): plain http:/,
    );
    const problems = Object.fromEntries(check.links.map((l) => [l.href, l.problem]));
    for (const href of bad) expect([href, problems[href]]).toEqual([href, expect.any(String)]);
    for (const href of good) expect([href, problems[href]]).toEqual([href, null]);
    expect(problems['https://localhost:3000/a']).toMatch(/loopback/);
    expect(problems['https://10.1.2.3/a']).toMatch(/private-network/);
    expect(problems['https://printer.local/a']).toMatch(/\.local/);
    const page = await get(editor, `/admin/editions/${july.id}/check`);
    expect(page.text).toMatch(/<li data-check="content-links" data-ok="false">/);
    expect(page.text).toMatch(/<li data-field="highlights\[0\]\.paragraphs\[0\]\[1\]" data-ok="false">/);
  });

  it('publishes the links on the archive page', async () => {
    await h.query(`UPDATE edition SET status = 'sent', sent_at = now() WHERE id = $1`, [aprilId]);
    const page = await api().get('/archive/2025-04');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${LINKS.thinkChina}"`);
    expect(page.text).toContain('>Kursk Oblast</a>');
    const feed = await api().get('/archive/feed.xml');
    expect(feed.text).toContain(escapeHtml(inlineText(crankCallApril2025WithLinks.highlights[0]!.headline)));
  });
});
