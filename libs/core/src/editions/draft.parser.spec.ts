import { readFileSync } from 'fs';
import { join } from 'path';
import type { EditionContent } from '@app/content';
import {
  crankCallApril2025 as expected,
  crankCallApril2025ParagraphCounts,
} from '../../../../test/fixtures/crank-call-2025-04.expected';
import { DraftParseError, formatDraft, parseDraft, parseMarkdown, toMarkdown } from './index';

const FIXTURE = readFileSync(join(__dirname, '../../../../test/fixtures/crank-call-2025-04.txt'), 'utf8');
/** The fixture's lines; index i is line i + 1. */
const LINES = FIXTURE.split('\n');

/** Line numbers in the April fixture (1-based), read off the file. */
const L = {
  subject: 1,
  description: 2,
  highlightsTitle: 3,
  story1: 5, // headline; paragraphs 6, 7, 8
  story2: 9, // 10, 11
  story3: 12, // 13
  story4: 14, // 15
  links: 16, // 17..26
  analysis: 27, // 28, 29
  perspectives: 30, // 31
  masthead: 32, // 33, 34
};

/** Lines from..to inclusive (1-based). */
const span = (from: number, to: number) => LINES.slice(from - 1, to);

function clone(c: EditionContent): EditionContent {
  return structuredClone(c);
}

function parseError(text: string): DraftParseError {
  try {
    parseDraft(text);
  } catch (e) {
    if (e instanceof DraftParseError) return e;
    throw e;
  }
  throw new Error('expected a DraftParseError');
}

describe('parseDraft: the April 2025 issue of CRANK Call', () => {
  const parsed = parseDraft(FIXTURE);

  it('reads the header fields', () => {
    expect(parsed.publicationName).toBe('CRANK Call');
    expect(parsed.slug).toBe('2025-04');
    expect(parsed.subject).toBe(expected.subject);
    expect(parsed.description).toBe(expected.description);
    expect(parsed.highlightsTitle).toBe('April 2025 Highlights');
  });

  it('reads four highlights with 3, 2, 1 and 1 paragraphs, text exact', () => {
    expect(parsed.highlights).toHaveLength(4);
    expect(parsed.highlights.map((h) => h.paragraphs.length)).toEqual(crankCallApril2025ParagraphCounts);
    expected.highlights.forEach((h, i) => {
      expect(parsed.highlights[i]?.headline).toBe(h.headline);
      h.paragraphs.forEach((p, j) => expect(parsed.highlights[i]?.paragraphs[j]).toBe(p));
    });
    // Typographic characters are kept as written.
    expect(parsed.highlights[2]?.headline).toBe(
      'Russian banks set up “China Track” for concealing trade payments',
    );
    expect(parsed.highlights[0]?.paragraphs[0]).toContain('firm’s');
    expect(parsed.highlights[0]?.paragraphs[0]).toContain('years—and');
  });

  it('reads ten links with their sources (repeats kept)', () => {
    expect(parsed.links).toHaveLength(10);
    expected.links.forEach((l, i) => {
      expect(parsed.links[i]?.text).toBe(l.text);
      expect(parsed.links[i]?.sources).toEqual(l.sources);
    });
    expect(parsed.links[4]?.text).toContain('April 23–25');
    expect(parsed.links[6]?.sources).toEqual(['IRNA', 'IRNA']);
  });

  it('reads analysis and perspectives with the last parenthesised group as attribution', () => {
    expect(parsed.analysis).toHaveLength(2);
    expected.analysis.forEach((a, i) => {
      expect(parsed.analysis[i]?.title).toBe(a.title);
      expect(parsed.analysis[i]?.attribution).toBe(a.attribution);
    });
    expect(parsed.analysis[1]?.title.endsWith('Antarctica?')).toBe(true);
    expect(parsed.analysis[1]?.attribution).toContain('William “Bill” Muntean III');
    expect(parsed.perspectives).toHaveLength(1);
    expect(parsed.perspectives[0]).toEqual(expected.perspectives[0]);
  });

  it('reads the masthead', () => {
    expect(parsed.mastheadTitle).toBe('CRANK Call');
    expect(parsed.masthead).toEqual([
      { role: 'Editor-in-Chief', name: 'Paul Saunders' },
      { role: 'Editor', name: 'Greg Priddy', email: 'gpriddy@cftni.org' },
    ]);
    expect('email' in parsed.masthead[0]!).toBe(false);
  });

  it('equals the hand-written structure as a whole', () => {
    expect(parsed).toEqual(expected);
  });
});

describe('parseDraft: tolerated variations', () => {
  it('CRLF, a BOM, trailing spaces, tabs and extra blank lines anywhere', () => {
    const messy =
      '\uFEFF\r\n\r\n' +
      LINES.map((l, i) => (i % 3 === 0 ? `${l}   \t` : `  ${l} `)).join('\r\n\r\n\r\n') +
      '\r\n\r\n';
    expect(parseDraft(messy)).toEqual(expected);
  });

  it('blank lines between paragraphs and old Mac CR line ends', () => {
    expect(parseDraft(LINES.join('\n\n'))).toEqual(expected);
    expect(parseDraft(LINES.join('\r'))).toEqual(expected);
  });

  it('reordered and fewer stories', () => {
    const text = [
      ...span(1, 4),
      ...span(L.story4, L.story4 + 1),
      ...span(L.story1, L.story1 + 3),
      ...span(L.links, 34),
    ].join('\n');
    const c = parseDraft(text);
    expect(c.highlights).toEqual([expected.highlights[3], expected.highlights[0]]);
    expect(c.links).toEqual(expected.links);
  });

  it('more stories and more or fewer links', () => {
    const text = [
      ...span(1, L.links - 1),
      'Iran and North Korea resume missile talks',
      'Officials met in Pyongyang.',
      'A second paragraph follows “quoted.”',
      'Links',
      '—Only one link today. (AP)',
      ...span(L.analysis, 34),
    ].join('\n');
    const c = parseDraft(text);
    expect(c.highlights).toHaveLength(5);
    expect(c.highlights[4]).toEqual({
      headline: 'Iran and North Korea resume missile talks',
      paragraphs: ['Officials met in Pyongyang.', 'A second paragraph follows “quoted.”'],
    });
    expect(c.links).toEqual([{ text: 'Only one link today.', sources: ['AP'] }]);
  });

  it('missing Links section', () => {
    const text = [...span(1, L.links - 1), ...span(L.analysis, 34)].join('\n');
    expect(parseDraft(text)).toEqual({ ...expected, links: [] });
  });

  it('missing perspectives section', () => {
    const text = [...span(1, L.perspectives - 1), ...span(L.masthead, 34)].join('\n');
    expect(parseDraft(text)).toEqual({ ...expected, perspectives: [] });
  });

  it('missing analysis, links and masthead sections', () => {
    const text = [...span(1, L.links - 1), ...span(L.perspectives, L.perspectives + 1)].join('\n');
    expect(parseDraft(text)).toEqual({
      ...expected,
      links: [],
      analysis: [],
      masthead: [],
      mastheadTitle: '',
    });
  });

  it('section headings in any case, with a colon, and “Perspectives” alone', () => {
    const text = FIXTURE.replace('\nLinks\n', '\nLINKS:\n')
      .replace('\nRecent Analysis\n', '\nrecent analysis\n')
      .replace('\nCRANK Perspectives\n', '\nPerspectives\n')
      .replace('\nCRANK Call\n', '\nCrank Call:\n');
    expect(parseDraft(text)).toEqual({ ...expected, mastheadTitle: 'Crank Call' });
  });

  it('a missing description', () => {
    const text = [LINES[0], ...span(3, 34)].join('\n');
    expect(parseDraft(text)).toEqual({ ...expected, description: '' });
  });

  it('a question as a headline, and explicit # / ¶ marks', () => {
    const text = [
      ...span(1, 4),
      'Will Gazprom find another buyer?',
      'Probably not this year.',
      '# A headline that ends with a full stop.',
      '¶ A paragraph without a full stop',
      'Links',
      '— Spaced dash and hyphen bullets work (Reuters)',
      '- Like this. (TASS, IRNA)',
    ].join('\n');
    const c = parseDraft(text);
    expect(c.highlights).toEqual([
      { headline: 'Will Gazprom find another buyer?', paragraphs: ['Probably not this year.'] },
      { headline: 'A headline that ends with a full stop.', paragraphs: ['A paragraph without a full stop'] },
    ]);
    expect(c.links).toEqual([
      { text: 'Spaced dash and hyphen bullets work', sources: ['Reuters'] },
      { text: 'Like this.', sources: ['TASS', 'IRNA'] },
    ]);
  });

  it('nested parentheses: the attribution is the last balanced group', () => {
    const text = [
      ...span(1, 8),
      'Recent Analysis',
      'Russia (and China) in the Arctic (Jane Doe (ed.), Some Institute)',
      'CRANK Call',
      'Editor, Greg Priddy (on leave)',
    ].join('\n');
    const c = parseDraft(text);
    expect(c.analysis).toEqual([
      { title: 'Russia (and China) in the Arctic', attribution: 'Jane Doe (ed.), Some Institute' },
    ]);
    expect(c.masthead).toEqual([{ role: 'Editor', name: 'Greg Priddy (on leave)' }]);
  });

  it('takes the slug from abbreviated months too', () => {
    const text = ['CRANK Call | Sept 2025', 'Desc.', 'Highlights', 'H', 'P.'].join('\n');
    expect(parseDraft(text)).toMatchObject({
      slug: '2025-09',
      publicationName: 'CRANK Call',
      highlightsTitle: 'Highlights',
    });
  });
});

describe('parseDraft: errors carry the line number and what was expected', () => {
  const withLine = (n: number, replacement: string | null) => {
    const copy = [...LINES];
    if (replacement === null) copy.splice(n - 1, 1);
    else copy[n - 1] = replacement;
    return copy.join('\n');
  };

  it('empty text', () => {
    expect(parseError('')).toMatchObject({ line: 1, expected: expect.stringContaining('subject') });
    expect(parseError('\n \n')).toMatchObject({ line: 1 });
  });

  it('no month in the subject line', () => {
    const e = parseError(withLine(1, 'CRANK Call'));
    expect(e.line).toBe(1);
    expect(e.expected).toContain('month');
    expect(e.message).toMatch(/^Line 1: expected /);
    expect(e).toBeInstanceOf(Error);
  });

  it('no publication name', () => {
    expect(parseError(withLine(1, 'April 2025'))).toMatchObject({
      line: 1,
      expected: expect.stringContaining('name'),
    });
  });

  it('a paragraph with no headline before it', () => {
    const e = parseError(withLine(L.story1, null));
    expect(e.line).toBe(L.story1); // the first paragraph moved up to line 5
    expect(e.expected).toContain('headline');
  });

  it('a headline with no paragraph (two headlines in a row)', () => {
    const e = parseError(withLine(L.story2 + 1, 'This paragraph lost its full stop'));
    expect(e.line).toBe(L.story2 + 1);
    expect(e.expected).toContain(`headline on line ${L.story2}`);
  });

  it('a headline with no paragraph at the end of the highlights', () => {
    const e = parseError(withLine(L.story4 + 1, null));
    expect(e.line).toBe(L.story4);
    expect(e.expected).toContain('paragraph');
  });

  it('links pasted without the “Links” heading get a hint', () => {
    const e = parseError(withLine(L.links, null));
    expect(e.line).toBe(L.links + 1); // the second link line, now line 17
    expect(e.expected).toContain('“Links” heading');
  });

  it('a link line without a (sources) group', () => {
    const e = parseError(withLine(19, '—The Duma ratified the agreement.'));
    expect(e).toMatchObject({ line: 19, expected: expect.stringContaining('sources') });
  });

  it('a link line with an empty source', () => {
    expect(parseError(withLine(18, '—Text. (Sputnik, )'))).toMatchObject({ line: 18 });
  });

  it('an analysis line without attribution', () => {
    const e = parseError(withLine(29, 'What Can the United States Do in Antarctica?'));
    expect(e).toMatchObject({ line: 29, expected: expect.stringContaining('attribution') });
  });

  it('a perspectives line without attribution', () => {
    expect(parseError(withLine(31, 'Why China should welcome a US-Iran thaw'))).toMatchObject({ line: 31 });
  });

  it('a masthead line without “Role, Name”', () => {
    const e = parseError(withLine(34, 'Greg Priddy (gpriddy@cftni.org)'));
    expect(e).toMatchObject({ line: 34, expected: expect.stringContaining('Role, Name') });
    expect(parseError(withLine(34, 'Editor, Greg Priddy (gpriddy@)'))).toMatchObject({ line: 34 });
  });

  it('a missing highlights heading', () => {
    const e = parseError(withLine(3, null));
    expect(e.line).toBe(4); // after removal, the first headline sits on line 4
    expect(e.expected).toContain('Highlights');
  });

  it('a highlights heading naming another month', () => {
    expect(parseError(withLine(3, 'May 2025 Highlights'))).toMatchObject({ line: 3 });
  });

  it('a section given twice', () => {
    const e = parseError(`${FIXTURE}\nLinks\n—Again. (AP)`);
    expect(e).toMatchObject({ line: 35, expected: expect.stringContaining('line 16') });
  });

  it('line numbers count blank lines and CRLF line ends', () => {
    const text = withLine(19, '—No sources here.').replace(/\n/g, '\r\n\r\n');
    expect(parseError(text).line).toBe(19 * 2 - 1);
  });
});

/** Contents that need care when written back: marks, headings as text, parentheses, empty sections. */
function trickyContent(): EditionContent {
  const c = clone(expected);
  c.description = '';
  c.highlights = [
    {
      headline: 'A headline ending with a full stop.',
      paragraphs: ['A paragraph without final punctuation'],
    },
    { headline: 'Links', paragraphs: ['CRANK Call', '# Not a heading.', '¶ Pilcrow first.'] },
    { headline: 'Will it last?', paragraphs: ['Short question?', 'Answer. 1. *Not* a list_item.'] },
    { headline: '¶ Headline starting with a pilcrow', paragraphs: ['What next?'] },
    {
      headline: 'Russia–Iran deal: “historic” (or not) & <b>bold</b> #1 C#',
      paragraphs: ['Text with \\ backslash, `code`, [link](http://x), &amp; and ~tilde~.', '- dash first.'],
    },
  ];
  c.links = [
    { text: '—Starts with a dash (and has parens) in it.', sources: ['Reuters (UK)', 'TASS'] },
    { text: '1. Numbered *text* _under_ [x]', sources: ['A_B'] },
  ];
  c.analysis = [];
  c.perspectives = [{ title: 'Title (with group)', attribution: 'Author (Institute), Place' }];
  c.masthead = [
    { role: 'Editor-in-Chief', name: 'Paul Saunders, Jr.' },
    { role: 'Editor', name: 'Greg Priddy (on leave)' },
    { role: 'Web', name: 'A_B Person', email: 'a_b.person+x@cftni.org' },
  ];
  return c;
}

describe('formatDraft', () => {
  it('writes the April issue back as the canonical draft text', () => {
    expect(formatDraft(expected)).toBe(`${FIXTURE}\n`);
  });

  it('round-trips the April issue and tricky contents', () => {
    expect(parseDraft(formatDraft(expected))).toEqual(expected);
    const tricky = trickyContent();
    const text = formatDraft(tricky);
    expect(parseDraft(text)).toEqual(tricky);
    expect(text).toContain('\n# A headline ending with a full stop.\n');
    expect(text).toContain('\n¶ A paragraph without final punctuation\n');
    expect(text).toContain('\n# Links\n');
  });

  it('round-trips edits: fewer sections, no masthead', () => {
    const c = { ...clone(expected), links: [], perspectives: [], masthead: [], mastheadTitle: '' };
    expect(parseDraft(formatDraft(c))).toEqual(c);
  });

  it('refuses contents the format cannot hold', () => {
    const noParagraphs = clone(expected);
    noParagraphs.highlights[0]!.paragraphs = [];
    expect(() => formatDraft(noParagraphs)).toThrow(/no paragraphs/);
    const newline = clone(expected);
    newline.links[0]!.text = 'two\nlines';
    expect(() => formatDraft(newline)).toThrow(/line break/);
    expect(() => formatDraft({ ...clone(expected), slug: '2025-05' })).toThrow(/slug/);
  });
});

describe('Markdown', () => {
  it('writes readable Markdown for the April issue', () => {
    const md = toMarkdown(expected);
    expect(md.startsWith('# CRANK Call | April 2025\n\n')).toBe(true);
    expect(md).toContain('\n## April 2025 Highlights\n');
    expect(md).toContain('\n### China rejects Gazprom offer of additional gas via Kazakhstan\n');
    expect(md).toContain(
      '\n- Chinese President Xi Jinping visited Russia for Victory Day. (Reuters, Global Times)\n',
    );
    expect(md).toContain('\n## CRANK Perspectives\n');
    expect(md).toContain('- Editor, Greg Priddy ([gpriddy@cftni.org](mailto:gpriddy@cftni.org))');
  });

  it('round-trips the April issue and tricky contents', () => {
    expect(parseMarkdown(toMarkdown(expected))).toEqual(expected);
    const tricky = trickyContent();
    expect(parseMarkdown(toMarkdown(tricky))).toEqual(tricky);
  });

  it('accepts CRLF and wrapped paragraphs', () => {
    const md = toMarkdown(expected).replace(
      'Gazprom has been casting about',
      'Gazprom has been\ncasting about',
    );
    expect(parseMarkdown(md.replace(/\n/g, '\r\n'))).toEqual(expected);
  });

  it('reports errors with line numbers', () => {
    expect(() => parseMarkdown('no heading')).toThrow(DraftParseError);
    const md = toMarkdown(expected).split('\n');
    const at = md.indexOf('## Links') + 3; // the second link item
    md[at - 1] = '- A link without sources.';
    try {
      parseMarkdown(md.join('\n'));
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DraftParseError);
      expect((e as DraftParseError).line).toBe(at);
    }
  });
});
