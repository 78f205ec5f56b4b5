import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  contentLinks,
  type EditionContent,
  type Inline,
  linkUrlProblem,
  MAX_LINK_URL_LENGTH,
  normalizeContent,
} from '@app/content';
import { crankCallApril2025 } from '../../../../test/fixtures/crank-call-2025-04.expected';
import {
  APRIL_WITH_LINKS_DRAFT,
  crankCallApril2025WithLinks,
  LINKS,
} from '../../../../test/fixtures/crank-call-2025-04-links';
import { UnprocessableError } from '../common/domain.errors';
import { DraftParseError, formatDraft, parseDraft, parseMarkdown, toMarkdown } from './index';

const APRIL = readFileSync(join(__dirname, '../../../../test/fixtures/crank-call-2025-04.txt'), 'utf8');

function errorOf(read: () => unknown): DraftParseError {
  try {
    read();
  } catch (e) {
    if (e instanceof DraftParseError) return e;
    throw e;
  }
  throw new Error('expected a DraftParseError');
}

/** The April draft with line `n` (1-based) replaced. */
function withLine(n: number, text: string): string {
  const lines = APRIL.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
}

/** A small valid draft whose line 5 is a paragraph, 7 a link line, 9 an analysis line. */
function draftWith(parts: {
  paragraph?: string;
  link?: string;
  analysis?: string;
  headline?: string;
}): string {
  return [
    'CRANK Call | April 2025',
    'A description.',
    'April 2025 Highlights',
    parts.headline ?? 'A headline',
    parts.paragraph ?? 'A paragraph.',
    'Links',
    parts.link ?? '—Something happened. (Reuters)',
    'Recent Analysis',
    parts.analysis ?? 'A title (An Author, An Institute)',
    '',
  ].join('\n');
}

function mdWith(parts: { paragraph?: string; link?: string; analysis?: string; headline?: string }): string {
  return [
    '# CRANK Call | April 2025',
    '',
    '## April 2025 Highlights',
    '',
    `### ${parts.headline ?? 'A headline'}`,
    '',
    parts.paragraph ?? 'A paragraph.',
    '',
    '## Links',
    '',
    `- ${parts.link ?? 'Something happened. (Reuters)'}`,
    '',
    '## Recent Analysis',
    '',
    `- ${parts.analysis ?? 'A title (An Author, An Institute)'}`,
    '',
  ].join('\n');
}

describe('links in a text draft', () => {
  it('the April issue without links reads exactly as before (no link anywhere)', () => {
    const c = parseDraft(APRIL);
    expect(c).toEqual(crankCallApril2025);
    expect(contentLinks(c)).toEqual([]);
    expect(formatDraft(c)).toBe(APRIL.endsWith('\n') ? APRIL : `${APRIL}\n`);
  });

  it('reads the April issue written with links in every accepted way', () => {
    expect(parseDraft(APRIL_WITH_LINKS_DRAFT)).toEqual(crankCallApril2025WithLinks);
  });

  it('round-trips the April issue with links through formatDraft and toMarkdown', () => {
    const c = crankCallApril2025WithLinks;
    const text = formatDraft(c);
    expect(parseDraft(text)).toEqual(c);
    // the bare "Global Times <https://…>" is written back in the one canonical form
    expect(text).toContain(`([Reuters](${LINKS.reutersXi}), [Global Times](${LINKS.globalTimes}))`);
    expect(text).toContain(`[Kursk Oblast](${LINKS.kursk}).`);
    expect(formatDraft(parseDraft(text))).toBe(text);
    const md = toMarkdown(c);
    expect(parseMarkdown(md)).toEqual(c);
    expect(md).toContain(`- [Why China should welcome a US-Iran thaw](${LINKS.thinkChina}) (`);
    expect(toMarkdown(parseMarkdown(md))).toBe(md);
  });

  it('keeps “(Reuters [1], TASS)” as two plain sources, and other brackets as text', () => {
    const c = parseDraft(draftWith({ link: '—Something [sic] happened. (Reuters [1], TASS)' }));
    expect(c.links[0]).toEqual({ text: 'Something [sic] happened.', sources: ['Reuters [1]', 'TASS'] });
    expect(formatDraft(c)).toContain('\n—Something [sic] happened. (Reuters [1], TASS)\n');
    const p = parseDraft(draftWith({ paragraph: 'Prices fell [by 3%] (or more) <b>sharply</b> 1<2>0.' }));
    expect(p.highlights[0]!.paragraphs[0]).toBe('Prices fell [by 3%] (or more) <b>sharply</b> 1<2>0.');
  });

  it('links words anywhere in a paragraph or headline', () => {
    const c = parseDraft(
      draftWith({
        headline: `Russia [warns](https://tass.com/a) Iran`,
        paragraph: `[Officials](https://a.example/x) said it [twice](https://b.example/y?q=1&r=2). See <https://c.example/>.`,
      }),
    );
    expect(c.highlights[0]).toEqual({
      headline: ['Russia ', { text: 'warns', href: 'https://tass.com/a' }, ' Iran'],
      paragraphs: [
        [
          { text: 'Officials', href: 'https://a.example/x' },
          ' said it ',
          { text: 'twice', href: 'https://b.example/y?q=1&r=2' },
          '. See ',
          { text: 'https://c.example/', href: 'https://c.example/' },
          '.',
        ],
      ],
    });
  });

  it('tells headline from paragraph by the words a reader reads, not by the address', () => {
    // ends with ")" in the text, but the reader reads "…warns Iran": a headline
    const h = parseDraft(draftWith({ headline: 'Russia warns [Iran](https://x.example/a.)' }));
    expect(h.highlights[0]!.headline).toEqual([
      'Russia warns ',
      { text: 'Iran', href: 'https://x.example/a.' },
    ]);
    // a question headline: short, and the address does not count towards its length
    const long = `https://x.example/${'a'.repeat(300)}`;
    const q = parseDraft(draftWith({ headline: `Will [Gazprom](${long}) find a buyer?` }));
    expect(q.highlights[0]!.paragraphs).toEqual(['A paragraph.']);
  });

  it('links an analysis or perspectives title, and a source in either syntax', () => {
    const c = parseDraft(
      draftWith({
        link: '—Something happened. (Reuters <https://www.reuters.com/a>, [TASS, in English](https://tass.com/b), AP)',
        analysis: '[A (long) title](https://merics.org/en/x_(y)) (Jane Doe (ed.), Some Institute)',
      }),
    );
    expect(c.links[0]!.sources).toEqual([
      { name: 'Reuters', url: 'https://www.reuters.com/a' },
      { name: 'TASS, in English', url: 'https://tass.com/b' },
      'AP',
    ]);
    expect(c.analysis[0]).toEqual({
      title: 'A (long) title',
      attribution: 'Jane Doe (ed.), Some Institute',
      url: 'https://merics.org/en/x_(y)',
    });
    expect(parseDraft(formatDraft(c))).toEqual(c);
    expect(parseMarkdown(toMarkdown(c))).toEqual(c);
  });

  it('the Markdown format reads the same links', () => {
    const c = parseMarkdown(
      mdWith({
        headline: 'Russia [warns](https://tass.com/a) Iran',
        paragraph: 'He [said](https://a.example/x) so\\. Not \\[a link\\](https://b.example).',
        link: 'Something happened. ([Reuters](https://www.reuters.com/a), TASS <https://tass.com/b>)',
        analysis: '[A title](https://merics.org/x) (An Author, An Institute)',
      }),
    );
    expect(c.highlights[0]).toEqual({
      headline: ['Russia ', { text: 'warns', href: 'https://tass.com/a' }, ' Iran'],
      paragraphs: [
        ['He ', { text: 'said', href: 'https://a.example/x' }, ' so. Not [a link](https://b.example).'],
      ],
    });
    expect(c.links[0]!.sources).toEqual([
      { name: 'Reuters', url: 'https://www.reuters.com/a' },
      { name: 'TASS', url: 'https://tass.com/b' },
    ]);
    expect(c.analysis[0]).toEqual({
      title: 'A title',
      attribution: 'An Author, An Institute',
      url: 'https://merics.org/x',
    });
  });
});

describe('refused links name their line', () => {
  const refused: [string, string, RegExp][] = [
    ['javascript:', '[click](javascript:alert(1))', /“javascript:” links are not allowed/],
    ['data:', '[x](data:text/html,hi)', /“data:” links are not allowed/],
    ['an autolink with another scheme', '<javascript:alert(1)>', /“javascript:” links are not allowed/],
    ['mailto: in a paragraph', '[write](mailto:a@b.org)', /“mailto:” links are not allowed/],
    ['a relative path', '[x](/archive/2025-04)', /relative path/],
    ['a bare word', '[x](www.reuters.com)', /relative path/],
    ['https: without //', '[x](https:evil.example)', /relative path/],
    ['credentials', '[x](https://user:secret@example.org/)', /without a user name or password/],
    ['a user name alone', '[x](https://user@example.org/)', /without a user name or password/],
    ['too long', `[x](https://example.org/${'a'.repeat(MAX_LINK_URL_LENGTH)})`, /at most 2,000 characters/],
    ['a space in the address', '[x](https://example.org/a b)', /no spaces/],
    ['no closing parenthesis', '[x](https://example.org/a', /ends with “\)”/],
    ['empty words', '[](https://example.org/)', /link text/],
    ['empty address', '[x]()', /a link address/],
    ['a quote in the address', '[x](https://example.org/"onmouseover=)', /without spaces, quotes/],
  ];

  it.each(refused)('%s, in a paragraph (text draft and Markdown)', (_what, link, message) => {
    const e = errorOf(() => parseDraft(withLine(6, `It happened ${link} today.`)));
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/^Line 6: expected /);
    expect(e.expected).toMatch(message);
    const m = errorOf(() => parseMarkdown(mdWith({ paragraph: `It happened ${link} today.` })));
    expect(m.line).toBe(7);
    expect(m.expected).toMatch(message);
  });

  it('in a source, an analysis title and a headline, with their line numbers', () => {
    expect(
      errorOf(() => parseDraft(withLine(17, '—Xi visited Russia. ([Reuters](javascript:x), TASS)'))),
    ).toMatchObject({
      line: 17,
      expected: expect.stringMatching(/javascript/),
    });
    expect(
      errorOf(() => parseDraft(withLine(17, '—Xi visited Russia. (Reuters <data:text/html,x>)'))),
    ).toMatchObject({
      line: 17,
    });
    expect(
      errorOf(() => parseDraft(withLine(28, '[A title](../report) (Claus Soong, Mercator)'))),
    ).toMatchObject({
      line: 28,
      expected: expect.stringMatching(/relative path/),
    });
    expect(
      errorOf(() => parseDraft(withLine(5, 'China [rejects](ftp://x.example/) Gazprom offer'))),
    ).toMatchObject({
      line: 5,
    });
  });

  it('refuses a title that mixes text and links, an attribution with a link, a source of text and words', () => {
    expect(
      errorOf(() =>
        parseDraft(draftWith({ analysis: 'A [title](https://a.example/) here (Author, Institute)' })),
      ).expected,
    ).toMatch(/plain text or one link/);
    expect(
      errorOf(() => parseDraft(draftWith({ analysis: 'A title (Author, [Institute](https://a.example/))' })))
        .expected,
    ).toMatch(/attribution without links/);
    expect(
      errorOf(() => parseDraft(draftWith({ link: '—Text. (The [Reuters](https://a.example/) agency)' })))
        .expected,
    ).toMatch(/each source a name, a link/);
  });

  it('the one URL policy accepts http(s) and, where asked, mailto', () => {
    expect(linkUrlProblem('https://www.reuters.com/world/?a=1#x')).toBeNull();
    expect(linkUrlProblem('http://example.org')).toBeNull(); // refused at send time by the pre-send check, not here
    expect(linkUrlProblem('HTTPS://EXAMPLE.ORG/')).toBeNull();
    expect(linkUrlProblem('mailto:a@b.org')).toMatch(/mailto/);
    expect(linkUrlProblem('mailto:a@b.org', { mailto: true })).toBeNull();
    expect(linkUrlProblem(`https://example.org/${'a'.repeat(MAX_LINK_URL_LENGTH - 20)}`)).toBeNull();
    expect(linkUrlProblem('https://example.org/a)b')).toMatch(/balanced parentheses/);
    expect(linkUrlProblem('https://exa mple.org')).toMatch(/spaces/);
    expect(linkUrlProblem('https://')).not.toBeNull();
  });
});

describe('export writes back what reads back', () => {
  /** Every combination of awkward text next to links reads back the same, in both formats. */
  const awkward = [
    'plain',
    '[1]',
    '[x](not a link)',
    '[x](https://looks.like/a-link)',
    '<https://looks.like/autolink>',
    '<b>',
    'a\\',
    '\\[',
    '\\\\',
    ')(',
    ', ',
    '# ',
    '¶ ',
    '— ',
    '*_`~&amp;',
    '*',
    '**x**',
    'a * b',
  ];
  const link = (text: string) => ({ text, href: 'https://example.org/p_(q)?a=1&b=2' });

  function contentWith(paragraph: Inline, source: string, title: string): EditionContent {
    const c = structuredClone(crankCallApril2025);
    c.highlights = [{ headline: 'A headline', paragraphs: [paragraph] }];
    c.links = [{ text: paragraph, sources: [source, { name: title, url: 'https://tass.com/x' }] }];
    c.analysis = [{ title, attribution: 'An Author', url: 'https://merics.org/x' }];
    c.perspectives = [{ title: `Plain ${title}`, attribution: 'An Author' }];
    return normalizeContent(c);
  }

  let written = 0;
  afterAll(() => {
    // most combinations are written (the rest are refused with a 422, never written wrong)
    expect(written).toBeGreaterThan(awkward.length * awkward.length * 0.6);
  });

  it.each(awkward)('text “%s” around and inside links', (a) => {
    for (const b of awkward) {
      const paragraph: Inline = [`Before ${a}`, link(`in ${b} link`), `${b} after ${a}.`];
      const c = contentWith(paragraph, `Source ${a}`.replace(/,/g, ';').trim(), `Title ${b}`.trim());
      let text: string;
      try {
        text = formatDraft(c);
      } catch (e) {
        // refused with a 422 naming the field, never written wrong
        expect(e).toBeInstanceOf(UnprocessableError);
        continue;
      }
      expect(parseDraft(text)).toEqual(c);
      expect(parseMarkdown(toMarkdown(c))).toEqual(c);
      written++;
    }
  });

  it('writes plain text as it reads: no backslash where none is needed', () => {
    const c = contentWith('Prices fell [by 3%] (or more) <b>sharply</b>.', 'Reuters [1]', 'A title');
    const text = formatDraft(c);
    expect(text).toContain('\nPrices fell [by 3%] (or more) <b>sharply</b>.\n');
    expect(text).toContain('(Reuters [1], [A title](https://tass.com/x))');
    expect(text).not.toContain('\\');
  });

  it('text that reads as a link is escaped in the draft and read back as text', () => {
    const c = contentWith('See [this](https://x.example/) and <https://y.example/>.', 'Reuters', 'A title');
    const text = formatDraft(c);
    expect(text).toContain('\nSee \\[this\\](https://x.example/) and \\<https://y.example/>.\n');
    expect(parseDraft(text)).toEqual(c);
    expect(contentLinks(parseDraft(text)).map((l) => l.href)).toEqual([
      'https://tass.com/x',
      'https://merics.org/x',
    ]);
  });
});
