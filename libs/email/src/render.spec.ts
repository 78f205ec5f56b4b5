import { crankCallApril2025 as april } from '../../../test/fixtures/crank-call-2025-04.expected';
import { type EditionContent, inlineText, sourceName } from '@app/content';
import { escapeHtml } from './placeholders';
import {
  PLACEHOLDERS,
  compilePersonalizer,
  defaultWelcomeLine,
  personalize,
  renderConfirmation,
  renderEdition,
  renderWelcome,
} from './render';

const sender = {
  name: 'Center for the National Interest',
  address: '1025 Connecticut Ave NW, Suite 1200, Washington, DC 20036',
};

/** HTML size in bytes: Gmail clips messages whose HTML exceeds 102 kB. */
export function htmlBytes(html: string): number {
  return Buffer.byteLength(html, 'utf8');
}

/** Every piece of content text the edition must show. */
function contentStrings(c: EditionContent): string[] {
  return [
    c.description,
    c.highlightsTitle,
    ...c.highlights.flatMap((h) => [inlineText(h.headline), ...h.paragraphs.map(inlineText)]),
    ...c.links.flatMap((l) => {
      const sources = l.sources.map(sourceName);
      return [inlineText(l.text), ...sources, `(${sources.join(', ')})`];
    }),
    ...c.analysis.flatMap((a) => [a.title, a.attribution]),
    ...c.perspectives.flatMap((a) => [a.title, a.attribution]),
    ...c.masthead.flatMap((m) => [m.role, m.name, ...(m.email ? [m.email] : [])]),
  ];
}

describe('renderEdition: the April 2025 issue', () => {
  let html = '';
  let text = '';
  beforeAll(async () => {
    ({ html, text } = await renderEdition(april, { sender }));
  });

  it('HTML contains every headline, paragraph, link with sources, analysis, perspective and editor', () => {
    for (const s of contentStrings(april)) expect(html).toContain(escapeHtml(s));
    expect(html).toContain('CRANK Call');
    expect(html).toContain('April 2025');
    expect(html).toContain('href="mailto:gpriddy@cftni.org"');
    expect(html).toContain('Recent Analysis');
    expect(html).toContain('CRANK Perspectives');
    expect(html).toContain(escapeHtml(sender.address));
  });

  it('plain text contains all of it too, with the footer links as URLs', () => {
    for (const s of contentStrings(april)) expect(text).toContain(s);
    for (const l of april.links)
      expect(text).toContain(`— ${inlineText(l.text)} (${l.sources.map(sourceName).join(', ')})`);
    expect(text).toContain(`Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`);
    expect(text).toContain(`Manage preferences: ${PLACEHOLDERS.preferencesUrl}`);
    expect(text).toContain(`View in browser: ${PLACEHOLDERS.webUrl}`);
    expect(text).toContain(sender.name);
    expect(text).not.toMatch(/<\/?(?:p|a|div|span|table|td|tr|h\d|br|strong|html)\b/i); // no markup
    expect(text).toContain('Editor, Greg Priddy <gpriddy@cftni.org>');
  });

  it('keeps the placeholder tokens literally in href attributes', () => {
    expect(html).toContain(`href="${PLACEHOLDERS.unsubscribeUrl}"`);
    expect(html).toContain(`href="${PLACEHOLDERS.preferencesUrl}"`);
    expect(html).toContain(`href="${PLACEHOLDERS.webUrl}"`);
  });

  it('is dark-mode aware and phone friendly', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark"/>');
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('max-width:600px');
    expect(html).toContain('name="viewport"');
    expect(html).not.toContain('<!-- -->'); // no split text nodes
  });

  it('stays well under Gmail’s 102 kB clipping limit', () => {
    const size = htmlBytes(html);
    console.log(`April 2025 edition HTML: ${size} bytes, text: ${Buffer.byteLength(text)} bytes`);
    expect(size).toBeLessThan(102 * 1024);
  });
});

describe('renderEdition: web variant', () => {
  it('has no personal links and shows a subscribe link', async () => {
    const { html, text } = await renderEdition(april, {
      sender,
      variant: 'web',
      subscribeUrl: 'https://crank.example.org/subscribe',
    });
    for (const token of Object.values(PLACEHOLDERS)) {
      expect(html).not.toContain(token);
      expect(text).not.toContain(token);
    }
    expect(html).not.toMatch(/unsubscribe|preferences/i);
    expect(html).toContain('href="https://crank.example.org/subscribe"');
    expect(text).toContain('https://crank.example.org/subscribe');
    expect(html).toContain(escapeHtml(inlineText(april.highlights[0]!.headline)));
  });

  it('can take a fixed webUrl at render time', async () => {
    const { html } = await renderEdition(april, {
      sender,
      urls: { webUrl: 'https://crank.example.org/a/2025-04' },
    });
    expect(html).toContain('href="https://crank.example.org/a/2025-04"');
    expect(html).not.toContain(PLACEHOLDERS.webUrl);
    expect(html).toContain(PLACEHOLDERS.unsubscribeUrl);
  });
});

describe('hostile content', () => {
  const evil: EditionContent = structuredClone(april);
  evil.subject = 'CRANK Call | April 2025 </title><script>alert(0)</script>';
  evil.description = '<img src=x onerror=alert(1)> & "quoted"';
  evil.highlights[0]!.headline = '<script>alert(1)</script>"><b>bold</b>';
  evil.highlights[0]!.paragraphs[0] = '</p></td></tr></table><iframe src="javascript:alert(2)"></iframe>';
  evil.links[0] = {
    text: 'javascript:alert(3) <a href="javascript:alert(4)">x</a>',
    sources: ['"><svg onload=alert(5)>'],
  };
  evil.analysis[0] = { title: '<style>body{display:none}</style>', attribution: "' onmouseover='alert(6)" };
  evil.masthead[1] = { role: 'Editor', name: 'Greg', email: '"><script>alert(7)</script>@x.org' };
  evil.masthead.push({ role: 'Web', name: 'Mallory', email: 'javascript:alert(8)//@x.org' });

  it('is escaped everywhere and cannot add markup', async () => {
    const { html } = await renderEdition(evil, {
      sender: { name: '<b>Sender</b>', address: '<script>alert(9)</script>' },
      urls: { webUrl: 'javascript:alert(10)' },
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<iframe/i);
    expect(html).not.toMatch(/<svg/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>/);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i); // no event-handler attribute in any real tag
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toContain('mailto:javascript');
    expect(html.match(/<style>/g)).toHaveLength(1); // only our own
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('&lt;/p&gt;&lt;/td&gt;');
  });

  it('personalized values cannot break out of attributes either', () => {
    const rendered = {
      html: `<a href="${PLACEHOLDERS.unsubscribeUrl}">u</a>`,
      text: PLACEHOLDERS.unsubscribeUrl,
    };
    const out = personalize(rendered, { unsubscribeUrl: 'https://x.org/u?a=1&b="><script>' });
    expect(out.html).toBe('<a href="https://x.org/u?a=1&amp;b=&quot;&gt;&lt;script&gt;">u</a>');
    expect(out.text).toBe('https://x.org/u?a=1&b="><script>');
    expect(() => personalize(rendered, { unsubscribeUrl: 'https://x.org/\r\nBcc: a@b.c' })).toThrow(
      /line break/,
    );
  });
});

describe('personalize', () => {
  it('splices each recipient’s own URLs, html-escaped in HTML and raw in text', async () => {
    const rendered = await renderEdition(april, { sender });
    const personalizer = compilePersonalizer(rendered);
    expect([...personalizer.placeholders].sort()).toEqual(['preferencesUrl', 'unsubscribeUrl', 'webUrl']);
    for (let i = 0; i < 300; i++) {
      const values = {
        unsubscribeUrl: `https://crank.example.org/u/${i}?t=tok${i}&x=1`,
        preferencesUrl: `https://crank.example.org/p/${i}?t=tok${i}`,
        webUrl: 'https://crank.example.org/a/2025-04',
      };
      const out = i % 2 ? personalize(rendered, values) : personalizer.render(values);
      expect(out.html).toContain(`href="https://crank.example.org/u/${i}?t=tok${i}&amp;x=1"`);
      expect(out.html).toContain(`href="https://crank.example.org/p/${i}?t=tok${i}"`);
      expect(out.text).toContain(`Unsubscribe: https://crank.example.org/u/${i}?t=tok${i}&x=1`);
      const ids = new Set([...`${out.html}${out.text}`.matchAll(/\/[up]\/(\d+)\?/g)].map((m) => m[1]));
      expect([...ids]).toEqual([String(i)]);
      expect(out.html).not.toContain('%%');
      expect(out.text).not.toContain('%%');
    }
  });

  it('refuses to leave a token unfilled', async () => {
    const rendered = await renderEdition(april, { sender });
    expect(() => personalize(rendered, { unsubscribeUrl: 'https://x.org/u' })).toThrow(
      /preferencesUrl|webUrl/,
    );
  });
});

describe('renderConfirmation', () => {
  it('has a confirm button, the 7-day expiry and the ignore note, in HTML and text', async () => {
    const c = await renderConfirmation({
      publicationName: 'CRANK Call',
      sender,
      recipientEmail: 'reader@example.org',
      confirmUrl: 'https://crank.example.org/confirm?token=abc&x=1',
    });
    expect(c.subject).toBe('Confirm your subscription to CRANK Call');
    expect(c.html).toContain('Confirm subscription');
    expect(c.html).toContain('href="https://crank.example.org/confirm?token=abc&amp;x=1"');
    expect(c.html).toContain('expires in 7 days');
    expect(c.html).toContain('If you did not ask to subscribe, ignore this email');
    expect(c.html).toContain('reader@example.org');
    expect(c.text).toContain('Confirm subscription: https://crank.example.org/confirm?token=abc&x=1');
    expect(c.text).toContain('expires in 7 days');
    expect(c.text).toContain('ignore this email');
  });

  it('renders once with a token for bulk use', async () => {
    const c = await renderConfirmation({ publicationName: 'CRANK Call', sender });
    expect(c.html).toContain(`href="${PLACEHOLDERS.confirmUrl}"`);
    const out = personalize(c, { confirmUrl: 'https://crank.example.org/c/1' });
    expect(out.html).toContain('href="https://crank.example.org/c/1"');
    expect(out.text).toContain('https://crank.example.org/c/1');
  });
});

describe('the layout both emails share (EmailLayout)', () => {
  /** The document head without its title (the subject differs). */
  const head = (html: string) => /<head>[\s\S]*<\/head>/.exec(html)![0].replace(/<title>[^<]*<\/title>/, '');
  /** Everything from the footer's rule to the end of the document. */
  const footer = (html: string) => html.slice(html.lastIndexOf('<hr'));

  it('gives the edition and the confirmation the same head, card and footer', async () => {
    // The web variant without a sign-up link has no footer notice of its own, like the confirmation.
    const edition = await renderEdition(april, { sender, variant: 'web' });
    const confirmation = await renderConfirmation({ publicationName: april.publicationName, sender });
    expect(head(confirmation.html)).toBe(head(edition.html));
    // the web page's card is its main landmark; a message has none
    expect(footer(confirmation.html)).toBe(footer(edition.html).replace('</main>', ''));
    expect(edition.html).toMatch(/<main><table[^>]*class="cc-card"/);
    expect(confirmation.html).not.toContain('<main>');
    expect(footer(edition.html)).toContain(
      `<strong>${sender.name}</strong><br/>${escapeHtml(sender.address)}`,
    );
    const card = (html: string) => /<table[^>]*class="cc-card"[^>]*>/.exec(html)?.[0];
    expect(card(confirmation.html)).toBeDefined();
    expect(card(confirmation.html)).toBe(card(edition.html));
  });

  it('links the web version back to the archive; the email has neither that link nor a main landmark', async () => {
    const archiveUrl = 'https://crank.example.org/archive';
    const web = await renderEdition(april, { sender, variant: 'web', archiveUrl });
    expect(web.html).toMatch(
      /<main>[\s\S]*href="https:\/\/crank\.example\.org\/archive"[^>]*>← All issues of CRANK Call<\/a>/,
    );
    const email = await renderEdition(april, { sender, archiveUrl });
    expect(email.html).not.toContain('All issues of');
    expect(email.html).not.toContain('<main>');
  });

  it('shows the sender’s name alone when no identity line is configured (SENDER_IDENTITY empty)', async () => {
    const bare = { name: 'CRANK Call', address: '' };
    const edition = await renderEdition(april, { sender: bare });
    const confirmation = await renderConfirmation({ publicationName: 'CRANK Call', sender: bare });
    for (const html of [edition.html, confirmation.html]) {
      expect(footer(html)).toContain('<strong>CRANK Call</strong></p>');
      expect(footer(html)).not.toContain('<br/>');
    }
    expect(edition.text.endsWith('\n\nCRANK Call\n')).toBe(true);
    expect(confirmation.text.endsWith('\n--\nCRANK Call\n')).toBe(true);
  });

  it('shows SENDER_ADDRESS on its own line in every footer, HTML and text: edition, confirmation, welcome', async () => {
    const postal = {
      name: 'CRANK Call',
      address: 'Center for the National Interest',
      postalAddress: '1025 Connecticut Ave NW, Washington, DC 20036 & <Co>',
    };
    const edition = await renderEdition(april, { sender: postal });
    const confirmation = await renderConfirmation({ publicationName: 'CRANK Call', sender: postal });
    const welcome = await renderWelcome({ publicationName: 'CRANK Call', sender: postal, line: '' });
    const welcomeIssue = await renderWelcome({
      publicationName: 'CRANK Call',
      sender: postal,
      line: '',
      edition: april,
    });
    for (const m of [edition, confirmation, welcome, welcomeIssue]) {
      expect(footer(m.html)).toContain(
        '<strong>CRANK Call</strong><br/>Center for the National Interest<br/><span class="cc-postal">1025 Connecticut Ave NW, Washington, DC 20036 &amp; &lt;Co&gt;</span>',
      );
      expect(m.text).toContain(
        '\nCRANK Call\nCenter for the National Interest\n1025 Connecticut Ave NW, Washington, DC 20036 & <Co>\n',
      );
    }
  });
});

describe('renderWelcome', () => {
  it('puts the latest issue in full under the welcome line, with the per-reader links as placeholders', async () => {
    const m = await renderWelcome({
      publicationName: 'CRANK Call',
      sender,
      line: 'Glad to have you <here>.',
      edition: april,
      webUrl: 'https://news.example.test/archive/2025-04',
    });
    expect(m.subject).toBe(`Welcome to CRANK Call: ${april.subject}`);
    expect(m.html).toContain('Glad to have you &lt;here&gt;.');
    expect(m.html.indexOf('Glad to have you')).toBeLessThan(
      m.html.indexOf(escapeHtml(inlineText(april.highlights[0]!.headline))),
    );
    for (const s of contentStrings(april)) expect(m.html).toContain(escapeHtml(s));
    expect(m.text.startsWith('Glad to have you <here>.\n')).toBe(true);
    expect(m.html).toContain(PLACEHOLDERS.unsubscribeUrl);
    expect(m.text).toContain(`Manage preferences: ${PLACEHOLDERS.preferencesUrl}`);
    expect(m.text).toContain('View in browser: https://news.example.test/archive/2025-04');
  });

  it('is a short welcome before any issue was sent, with the default line when the editor set none', async () => {
    const m = await renderWelcome({ publicationName: 'CRANK Call', sender, line: '   ' });
    expect(m.subject).toBe('Welcome to CRANK Call');
    expect(m.html).toContain(escapeHtml(defaultWelcomeLine('CRANK Call', false)));
    expect(m.text).toContain(defaultWelcomeLine('CRANK Call', false));
    expect(m.html).not.toContain(escapeHtml(inlineText(april.highlights[0]!.headline)));
    expect(m.html).toContain(PLACEHOLDERS.unsubscribeUrl);
    expect(m.text).toContain(`Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`);
  });
});
