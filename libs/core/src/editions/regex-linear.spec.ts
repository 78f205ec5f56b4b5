import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type EditionContent, issueLabel, linkUrlProblem } from '@app/content';
import {
  encodeWords,
  escapeHtml,
  formatAddress,
  headerLine,
  PLACEHOLDERS,
  qpEncode,
  splitPlaceholders,
  textInline,
} from '@app/email';
import { mailtoHref, safeHref } from '@app/email/templates/theme';
import { check } from 'recheck';
import ts from 'typescript';
import { crankCallApril2025 } from '../../../../test/fixtures/crank-call-2025-04.expected';
import { formatDraft } from './draft.format';
import {
  classifyHighlightLine,
  DraftParseError,
  endsQuestion,
  endsSentence,
  findIssueMonth,
  headingKind,
  isEmailLike,
  isHighlightsHeading,
  MAX_DRAFT_LINE_LENGTH,
  parseAttributedLine,
  parseDraft,
  parseLinkLine,
  parseMastheadLine,
  parseSubject,
  splitTrailingGroup,
  trimSubjectSeparators,
} from './draft.parser';
import {
  afterMarker,
  escapeMarkdown,
  listItem,
  parseMarkdown,
  stripClosingHashes,
  toMarkdown,
  trailingMailto,
  unescapeMarkdown,
} from './edition.markdown';
import {
  draftInline,
  markdownInline,
  plainField,
  plainLineText,
  scanInline,
  splitTrailingRuns,
} from './inline.parser';
import { angleBracketed, linkTargets, parseRawMessage } from './pre-send-check.service';

/*
 * Every regular expression that sees a draft, an edition or a message must run in linear time (issue 11,
 * item 2: /[\s|:–—-]+$/u in parseSubject took 4.7 s on one line of 80,000 spaces, and the API with it).
 *
 * 1. Statically: every regex literal in the editions code and in libs/email is handed to recheck, a ReDoS
 *    checker that decides from the pattern's automaton whether backtracking can be super-linear (for a
 *    pattern with look-arounds it counts the steps of a backtracking VM on generated attack strings). It is
 *    deterministic (fixed seed) and covers every input, not only the ones tried below.
 * 2. Dynamically: each entry point that reads a line is fed lines with long runs of every character the
 *    patterns mention, in the places where backtracking would start (alone, inside text, before and after
 *    the structure a pattern looks for). The work at 8n characters must stay well below 64 times the work
 *    at n (what a quadratic pass does); a linear pass gives about 8, and up to twice that when the garbage
 *    collector or V8's large-object space charges the bigger strings more per byte (seen on quiet runs:
 *    12.8x where 4x was expected, with a threshold of 8). The ratio of two timings taken back to
 *    back, each the best of several runs, is robust to a loaded machine where an absolute threshold is not.
 */

const ROOT = join(__dirname, '../../../..');
const AUDITED_DIRS = [
  'libs/core/src/editions',
  'libs/email/src',
  'libs/content/src',
  // what reads mail and webhooks from the outside world (issue 13)
  'libs/core/src/feedback',
  'apps/inbound/src',
  'apps/api/src/webhooks',
];

/** A RegExp built at run time cannot be checked from its source: each one is listed with why it is safe. */
const DYNAMIC_REGEXPS: Record<string, string> = {
  'libs/email/src/placeholders.ts':
    'an alternation of escaped literal tokens (PLACEHOLDERS); checked below on the real tokens',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.spec\.tsx?$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

interface FoundRegex {
  where: string;
  source: string;
  flags: string;
}

/** Every regex literal (and every `new RegExp(...)` / `RegExp(...)` call) in the audited files. */
function collectRegexes(): { literals: FoundRegex[]; dynamic: string[] } {
  const literals: FoundRegex[] = [];
  const dynamic: string[] = [];
  for (const file of AUDITED_DIRS.flatMap(sourceFiles)) {
    const sf = ts.createSourceFile(
      file,
      readFileSync(join(ROOT, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
      file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    );
    const at = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText();
        const slash = text.lastIndexOf('/');
        literals.push({ where: at(n), source: text.slice(1, slash), flags: text.slice(slash + 1) });
      }
      if (
        (ts.isNewExpression(n) || ts.isCallExpression(n)) &&
        ts.isIdentifier(n.expression) &&
        n.expression.text === 'RegExp'
      ) {
        dynamic.push(file);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { literals, dynamic };
}

async function superLinear(source: string, flags: string): Promise<string | null> {
  const r = await check(source, flags, { timeout: 120_000, randomSeed: 0 });
  if (r.status === 'safe') return null;
  if (r.status === 'vulnerable') return `${r.complexity.type} (${r.complexity.summary})`;
  return `not proven linear (${r.error.kind})`;
}

describe('regular expressions that see input are linear (recheck)', () => {
  const { literals, dynamic } = collectRegexes();

  it('finds the regexes of the editions code and libs/email', () => {
    expect(literals.length).toBeGreaterThan(40);
    expect(literals.map((r) => r.where)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^libs\/core\/src\/editions\/draft\.parser\.ts:/),
        expect.stringMatching(/^libs\/core\/src\/editions\/edition\.markdown\.ts:/),
        expect.stringMatching(/^libs\/core\/src\/editions\/pre-send-check\.service\.ts:/),
        expect.stringMatching(/^libs\/email\/src\/mime-template\.ts:/),
        expect.stringMatching(/^libs\/email\/src\/templates\/theme\.ts:/),
      ]),
    );
  });

  it('recheck flags the patterns this suite replaced (the check can fail)', async () => {
    expect(await superLinear('[\\s|:–—-]+$', 'u')).toMatch(/^polynomial/);
    expect(await superLinear('(?:^|\\s+)#+\\s*$', '')).toMatch(/^polynomial/);
    expect(await superLinear('^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', '')).toMatch(/^polynomial/);
  }, 180_000);

  it('no regex literal can backtrack super-linearly', async () => {
    const bad: string[] = [];
    for (const r of literals) {
      const why = await superLinear(r.source, r.flags);
      if (why) bad.push(`${r.where} /${r.source}/${r.flags}: ${why}`);
    }
    expect(bad).toEqual([]);
  }, 600_000);

  it('regexes built at run time are listed and linear', async () => {
    expect([...new Set(dynamic)].sort()).toEqual(Object.keys(DYNAMIC_REGEXPS).sort());
    // the alternation splitPlaceholders builds from the real tokens
    const tokens = Object.values(PLACEHOLDERS).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    expect(await superLinear(tokens.join('|'), 'g')).toBeNull();
  }, 180_000);
});

// ---- Dynamic: linear work on adversarial lines ------------------------------------------------------------

/** Every character (and a few short sequences) the audited patterns give a meaning to. */
const TOKENS = [
  ' ',
  '\t',
  '\u00a0',
  '|',
  ':',
  '–',
  '—',
  '-',
  '#',
  '.',
  ',',
  ';',
  '!',
  '?',
  '…',
  '(',
  ')',
  '[',
  ']',
  '"',
  "'",
  '”',
  '’',
  '»',
  '<',
  '>',
  '&',
  '@',
  '\\',
  '`',
  '*',
  '_',
  '~',
  '+',
  '=',
  '¶',
  '•',
  'a',
  'Z',
  '7',
  '%',
  '/',
  'a.',
  '.a',
  'a@',
  '@a',
  '([',
  '](mailto:',
  '](mailto:a@b.c))',
  ' #',
  '# ',
  '\\#',
  ') ',
  ' (',
  '- ',
  '¶ ',
  'may ',
  'April 2026 ',
  ' | ',
  'highlights ',
  '&#x',
  '&amp',
  '%%',
  ' href="',
  " src='",
  '<a',
  '=\r\n',
  'https://',
  'mailto:',
  'boundary="',
  // the link syntax (issue 14): label starts, label ends, destinations, autolinks, escapes
  '](',
  '[a](',
  '[a]',
  '](https://a.b/',
  '[a](https://a.b/(',
  '<a:',
  '<https://a.b/',
  '\\[',
  '\\<',
  // emphasis (issue 14): marks switched on and left open, crossing, escaped
  '**',
  '*a',
  'a*',
  '\\*',
];

/** `token` repeated to `n` characters. */
const run = (token: string, n: number): string => token.repeat(Math.ceil(n / token.length)).slice(0, n);

/** The run alone and where a pattern would start or end on it. */
const SHAPES: ((r: string) => string)[] = [
  (r) => r,
  (r) => `A${r}B`,
  (r) => `${r}x`,
  (r) => `x${r}`,
  (r) => `A${r}B | April 2026`,
  (r) => `CRANK Call | April 2026 ${r}`,
  (r) => `Role, Name (${r})`,
  (r) => `Role, Name (x@${r};)`,
  (r) => `Text (${r}`,
  (r) => `# ${r} #`,
  (r) => `Role, Name ([${r}](mailto:${r}))`,
  (r) => `x@${r};`,
  (r) => `<${r}>`,
  (r) => `[${r}](https://a.b/)`,
  (r) => `[a](https://a.b/${r})`,
  (r) => `Text ([${r}](https://a.b/), Source <https://a.b/${r}>)`,
  (r) => `[${r}](https://a.b/) (${r})`,
];

const lines = (n: number): string[] => TOKENS.flatMap((t) => SHAPES.map((shape) => shape(run(t, n))));
/** Fewer shapes for the encoders, which look at each character once whatever surrounds it. */
const encoderLines = (n: number): string[] =>
  TOKENS.flatMap((t) => SHAPES.slice(0, 2).map((shape) => shape(run(t, n))));

const ignoreParseErrors =
  (f: (line: string) => unknown) =>
  (line: string): void => {
    try {
      f(line);
    } catch (e) {
      if (!(e instanceof Error)) throw e; // a refusal is an answer too; only its cost matters here
    }
  };

/**
 * A full garbage collection, run once before each measure (not before each timing: a heap shrunk right before
 * the large inputs makes V8 collect again and again while they grow it, which measured 45x on linear code).
 * Inside `npm test` every test file shares one Jest worker, so the heap this spec starts with holds the garbage
 * of the files before it; a major collection of that heap landing in the timings of the large inputs made
 * linear entry points measure 25–30x from n to 8n there, and 5x on their own.
 */
const collectGarbage = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Best of `reps` timings of `work`, in nanoseconds. */
function bestTime(work: () => void, reps: number): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best;
}

/** How much bigger the large inputs are than the small ones. */
const FACTOR = 8;
/**
 * Linear work grows 8x from n to 8n, quadratic 64x: anything below this is accepted as linear. A factor of 8
 * (not 4) leaves room for the allocator's super-linear cost on big strings without letting a quadratic
 * pass through (a quadratic pass at 8n measures about 64).
 */
const MAX_GROWTH = 24;

/**
 * How much more `entry` costs on `inputs(FACTOR * n)` than on `inputs(n)`. Measured up to five times, so that only
 * a steady super-linear growth fails (a quadratic pass never gets below MAX_GROWTH, a busy machine or the
 * memory caches may push a linear one over it now and then).
 */
function growth<T>(inputs: (n: number) => T[], n: number, entry: (input: T) => void): number {
  collectGarbage();
  const small = inputs(n);
  const large = inputs(FACTOR * n);
  const all = (xs: T[]) => () => xs.forEach(entry);
  all(small)(); // warm up: compiled code, flattened strings, a heap grown to the large inputs' size
  all(large)();
  let ratio = Infinity;
  for (let attempt = 0; attempt < 5 && ratio >= MAX_GROWTH; attempt++) {
    ratio = bestTime(all(large), 3) / bestTime(all(small), 3);
  }
  return ratio;
}

/** The inputs whose cost grows the most, to name the culprit when an entry point is not linear. */
function worstInputs<T>(inputs: (n: number) => T[], n: number, entry: (input: T) => void): string[] {
  const small = inputs(n);
  const large = inputs(FACTOR * n);
  return small
    .map((s, i) => {
      const g = bestTime(() => entry(large[i]!), 3) / bestTime(() => entry(s), 3);
      return { g, what: `${JSON.stringify(String(s).slice(0, 40))}... x${g.toFixed(1)}` };
    })
    .sort((a, b) => b.g - a.g)
    .slice(0, 5)
    .map((x) => x.what);
}

function expectLinear<T>(inputs: (n: number) => T[], n: number, entry: (input: T) => void): void {
  const g = growth(inputs, n, entry);
  if (g >= MAX_GROWTH) {
    throw new Error(
      `work grew ${g.toFixed(1)}x from n to ${FACTOR}n; worst: ${worstInputs(inputs, n, entry).join('; ')}`,
    );
  }
}

/**
 * Line-level entry points of the draft and Markdown parsers, the formatters and the message checks. Runs
 * grow from N to 8N = 50,000 characters; the encoders, which do a lot per character (and take a faster path
 * below 2,000), from 2,000 to 16,000 on fewer shapes.
 */
const N = 6_250;
const ENCODER = { n: 2_000, inputs: encoderLines };
const LINE_ENTRY_POINTS: [string, (line: string) => unknown, typeof ENCODER?][] = [
  ['parseSubject', (l) => parseSubject(l, 1)],
  // parseSubject refuses a subject over 300 characters first: its trimming loop on its own
  ['trimSubjectSeparators', trimSubjectSeparators],
  ['findIssueMonth', findIssueMonth],
  ['isHighlightsHeading', isHighlightsHeading],
  ['headingKind', (l) => headingKind(l, 'CRANK Call')],
  ['classifyHighlightLine', (l) => classifyHighlightLine(l, l)],
  ['splitTrailingGroup', splitTrailingGroup],
  ['parseLinkLine', (l) => parseLinkLine({ n: 1, text: l })],
  ['parseAttributedLine', (l) => parseAttributedLine({ n: 1, text: l }, 'an analysis')],
  ['parseMastheadLine', (l) => parseMastheadLine({ n: 1, text: l })],
  ['isEmailLike', isEmailLike],
  ['escapeMarkdown', (l) => escapeMarkdown(l, { heading: true })],
  // A global replace builds its result from one piece per escape: at 8N runs of escapes the builder's
  // allocation grew 29.5x inside the full suite (per character it is linear on its own: 61-76 ns/char from 6,250
  // to 400,000 characters), so it is measured at the encoders' sizes, like escapeHtml.
  ['unescapeMarkdown', unescapeMarkdown, { n: ENCODER.n, inputs: lines }],
  ['afterMarker', (l) => afterMarker(l, '##')],
  ['listItem', listItem],
  ['stripClosingHashes', stripClosingHashes],
  ['trailingMailto', trailingMailto],
  ['angleBracketed', angleBracketed],
  ['linkTargets', linkTargets],
  [
    'parseRawMessage',
    (l) =>
      parseRawMessage(
        Buffer.from(
          `List-Unsubscribe: ${l}\r\nContent-Type: multipart/alternative; boundary="${l}"\r\n\r\n--${l}\r\n` +
            `Content-Transfer-Encoding: quoted-printable\r\n\r\n${l}\r\n`,
          'latin1',
        ),
      ),
    // The message holds the line four times: smaller runs keep its buffers out of large-object space.
    { n: 1_000, inputs: encoderLines },
  ],
  ['safeHref', safeHref],
  ['mailtoHref', mailtoHref],
  // Output up to five times the line: at 8N it lands in V8's large-object space (the allocator, not the scan, grew).
  ['escapeHtml', escapeHtml, { n: ENCODER.n, inputs: lines }],
  ['qpEncode', qpEncode, ENCODER],
  ['encodeWords', encodeWords, ENCODER],
  ['headerLine', (l) => headerLine('Subject', l), ENCODER],
  ['formatAddress', (l) => formatAddress({ name: l, address: l })],
  ['splitPlaceholders', splitPlaceholders],
  ['issueLabel', issueLabel],
  // links (issue 14)
  ['scanInline', (l) => scanInline(l, false, failInline)],
  ['scanInline (Markdown)', (l) => scanInline(l, true, failInline)],
  ['plainLineText', (l) => plainLineText(l)],
  ['splitTrailingRuns', (l) => splitTrailingRuns(scanInline(l, false, null))],
  ['draftInline', (l) => draftInline([l, { text: l, href: 'https://a.b/' }, l])],
  ['markdownInline', (l) => markdownInline([l, { text: l, href: 'https://a.b/' }], escapeMarkdown)],
  ['linkUrlProblem', (l) => linkUrlProblem(l)],
  ['plainField', (l) => plainField(l)],
  ['draftInline (emphasis)', (l) => draftInline([l, { text: l, strong: true }, { text: l, em: true }])],
  // Its result is three times the line: at 8N a run of two-byte characters ("–") makes a result of 300 kB,
  // which V8 allocates in large-object space and the small one not, so the ratio measured the allocator. At
  // the encoders' sizes both results stay in the regular heap (96 kB at most); the scan is the same.
  ['textInline', (l) => textInline([l, { text: l, href: l }]), { n: ENCODER.n, inputs: lines }],
];

/** A refused link throws, as the parsers' callback does. */
function failInline(expected: string): never {
  throw new Error(expected);
}

describe('parser entry points do linear work on adversarial lines', () => {
  // At 1,000 to 8,000 characters (at N the quadratic pattern alone would take a minute): 64 million steps
  // against one million, far past MAX_GROWTH.
  it('the measure fails a quadratic pass (the pattern parseSubject used to run)', () => {
    const spaces = (n: number) => [`A${' '.repeat(n)}x`];
    expect(growth(spaces, 1_000, (l) => /[\s|:–—-]+$/u.test(l))).toBeGreaterThanOrEqual(MAX_GROWTH);
  });

  it.each(LINE_ENTRY_POINTS)('%s', (_name, entry, size = { n: N, inputs: lines }) => {
    expectLinear(size.inputs, size.n, ignoreParseErrors(entry));
  });
});

// ---- Whole drafts ---------------------------------------------------------------------------------------

/** A draft with one line of each kind and little else, so that the adversarial line is most of the work. */
const SMALL: EditionContent = {
  publicationName: 'CRANK Call',
  slug: '2025-04',
  subject: 'CRANK Call | April 2025',
  description: 'A monthly review of developments.',
  highlightsTitle: 'April 2025 Highlights',
  highlights: [
    {
      headline: 'A short headline',
      paragraphs: [['A paragraph of the ', { text: 'story', href: 'https://a.example/s' }, '.']],
    },
  ],
  links: [{ text: 'Something happened.', sources: ['Reuters', { name: 'TASS', url: 'https://tass.com/x' }] }],
  analysis: [{ title: 'A title', attribution: 'An Author, An Institute', url: 'https://merics.org/x' }],
  perspectives: [{ title: 'Another title', attribution: 'Someone' }],
  mastheadTitle: 'CRANK Call',
  masthead: [{ role: 'Editor', name: 'Greg Priddy', email: 'gpriddy@example.org' }],
};
const DRAFT_LINES = formatDraft(SMALL).split('\n');
const MD_LINES = toMarkdown(SMALL).split('\n');
/** Every non-blank line but the section headings: subject, description, highlights heading, headline, ... */
const slots = (ls: string[]) =>
  ls.flatMap((l, i) => (l.trim() === '' || headingKind(l.replace(/^## /, ''), 'CRANK Call') ? [] : [i]));
const DRAFT_SLOTS = slots(DRAFT_LINES);
const MD_SLOTS = slots(MD_LINES);

/** Where a run goes into a real line: after its first and second word, before its last character, at its end. */
const INSERTIONS: ((line: string) => number)[] = [
  (l) => l.indexOf(' '),
  (l) => l.indexOf(' ', l.indexOf(' ') + 1),
  (l) => l.length - 1,
  (l) => l.length,
];

/** The draft `base` with a run of `n` characters of each token put into line `slot` in each place. */
function drafts(base: string[], slot: number) {
  return (n: number): string[] =>
    TOKENS.flatMap((t) =>
      INSERTIONS.map((at) => {
        const line = base[slot]!;
        const i = at(line);
        const changed = `${line.slice(0, i)}${run(t, n)}${line.slice(i)}`;
        return base.map((l, j) => (j === slot ? changed : l)).join('\n');
      }),
    );
}

describe('whole drafts: linear work and bounded lines', () => {
  const issueDraft = `A${' '.repeat(80_000)}B | April 2026\n${formatDraft(crankCallApril2025).split('\n').slice(1).join('\n')}`;

  it('refuses the issue’s 80,000-space subject line by its length, with its line number', () => {
    for (const parse of [parseDraft, (t: string) => parseMarkdown(`# ${t}`)]) {
      let err: unknown;
      try {
        parse(issueDraft);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DraftParseError);
      expect(err).toMatchObject({ line: 1 });
      expect((err as DraftParseError).expected).toContain(
        `at most ${MAX_DRAFT_LINE_LENGTH.toLocaleString('en')} characters`,
      );
    }
  });

  it('still reads the April 2025 issue, whose longest line is far below the limit', () => {
    const april = formatDraft(crankCallApril2025);
    const longest = Math.max(...april.split('\n').map((l) => l.length));
    expect(longest).toBeGreaterThan(900);
    expect(longest * 5).toBeLessThan(MAX_DRAFT_LINE_LENGTH);
    expect(parseDraft(april)).toEqual(crankCallApril2025);
    expect(parseMarkdown(toMarkdown(crankCallApril2025))).toEqual(crankCallApril2025);
  });

  it('the small drafts the next tests build on are valid, with a slot for each kind of line', () => {
    expect(parseDraft(DRAFT_LINES.join('\n'))).toEqual(SMALL);
    expect(parseMarkdown(MD_LINES.join('\n'))).toEqual(SMALL);
    expect(DRAFT_SLOTS).toHaveLength(9);
    expect(MD_SLOTS).toHaveLength(9);
  });

  // One line at a time, so that a quadratic line is not lost among the linear ones. Runs grow from 600 to
  // 4,800 characters: the lines stay under the line limit.
  it.each(DRAFT_SLOTS)('parseDraft: length of line %i', (slot) => {
    expectLinear(drafts(DRAFT_LINES, slot), 600, ignoreParseErrors(parseDraft));
  });

  it.each(MD_SLOTS)('parseMarkdown: length of line %i', (slot) => {
    expectLinear(drafts(MD_LINES, slot), 600, ignoreParseErrors(parseMarkdown));
  });

  it('parseDraft and parseMarkdown: number of long lines (100 to 800 lines of 4,800 characters)', () => {
    const paragraph = `${run('a ', 4_800)}.`;
    const many = (n: number) => [
      [...DRAFT_LINES.slice(0, 6), ...Array<string>(n).fill(paragraph), ...DRAFT_LINES.slice(6)].join('\n'),
    ];
    expectLinear(many, 100, ignoreParseErrors(parseDraft));
    const manyMd = (n: number) => [
      [...MD_LINES.slice(0, 7), ...Array<string>(n).fill(`${paragraph}\n`), ...MD_LINES.slice(7)].join('\n'),
    ];
    expectLinear(manyMd, 100, ignoreParseErrors(parseMarkdown));
  });
});

// ---- The linear code says what the patterns it replaced said ----------------------------------------------

/** A small seeded PRNG (mulberry32): the same strings on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 20,000 short strings made of `pieces` (the old patterns are harmless on strings this short). */
function samples(pieces: string[], seed: number): string[] {
  const rnd = prng(seed);
  return Array.from({ length: 20_000 }, () =>
    Array.from({ length: Math.floor(rnd() * 9) }, () => pieces[Math.floor(rnd() * pieces.length)]!).join(''),
  );
}

/** The inputs on which `now` and `before` disagree (at most 5). */
function disagreements<T>(inputs: string[], now: (s: string) => T, before: (s: string) => T): string[] {
  return inputs
    .filter((s) => JSON.stringify(now(s)) !== JSON.stringify(before(s)))
    .slice(0, 5)
    .map((s) => JSON.stringify(s));
}

describe('the linear replacements agree with the patterns they replaced', () => {
  it('trimSubjectSeparators = .replace(/[\\s|:–—-]+$/u, "")', () => {
    const inputs = samples([' ', '\t', '\u00a0', '\u2028', '|', ':', '–', '—', '-', 'a', 'B', '|a'], 1);
    expect(disagreements(inputs, trimSubjectSeparators, (s) => s.replace(/[\s|:–—-]+$/u, ''))).toEqual([]);
  });

  it('isHighlightsHeading = /^(?:.*\\s)?highlights:?$/i on the trimmed text', () => {
    const pieces = [
      'highlights',
      'Highlights',
      'HIGHLIGHTS',
      'highlight',
      's',
      ' ',
      '\t',
      ':',
      'x',
      '\u2028',
    ];
    const inputs = samples(pieces, 2);
    expect(inputs.filter(isHighlightsHeading).length).toBeGreaterThan(1000);
    expect(
      disagreements(inputs, isHighlightsHeading, (s) => /^(?:.*\s)?highlights:?$/i.test(s.trim())),
    ).toEqual([]);
  });

  it('isEmailLike and mailtoHref = the one-line address patterns', () => {
    const inputs = samples(['a', 'b', '.', '..', '@', ' ', ',', '(', '<', '?', '&', '\\', 'a.b'], 3);
    expect(inputs.filter(isEmailLike).length).toBeGreaterThan(50);
    const email = /^[^\s@()<>,;:"[\]\\]+@[^\s@()<>,;:"[\]\\]+\.[^\s@()<>,;:"[\]\\]+$/;
    expect(disagreements(inputs, isEmailLike, (s) => email.test(s))).toEqual([]);
    const mailto = /^[^\s@()<>,;:"[\]\\?&]+@[^\s@()<>,;:"[\]\\?&]+\.[^\s@()<>,;:"[\]\\?&]+$/;
    expect(disagreements(inputs, mailtoHref, (s) => (mailto.test(s) ? `mailto:${s}` : undefined))).toEqual(
      [],
    );
  });

  it('endsSentence and endsQuestion = /[.!?…]["\'”’»)\\]]*$/u and /\\?["\'”’»)\\]]*$/u', () => {
    const inputs = samples(['.', '!', '?', '…', '"', "'", '”', '’', '»', ')', ']', '(', 'a', ' '], 4);
    expect(disagreements(inputs, endsSentence, (s) => /[.!?…]["'”’»)\]]*$/u.test(s))).toEqual([]);
    expect(disagreements(inputs, endsQuestion, (s) => /\?["'”’»)\]]*$/u.test(s))).toEqual([]);
  });

  it('stripClosingHashes = .replace(/(?:^|\\s+)#+\\s*$/, "").trim()', () => {
    const inputs = samples(['#', '##', ' ', '\t', '\u00a0', 'a', '\\', 'C#'], 5);
    expect(disagreements(inputs, stripClosingHashes, (s) => s.replace(/(?:^|\s+)#+\s*$/, '').trim())).toEqual(
      [],
    );
  });

  // Draft lines hold no line terminator (checkDraftLine refuses them), so none is generated here.
  it('afterMarker and listItem = /^#\\s+(.*)$/, /^##\\s+(.*)$/, /^###\\s+(.*)$/ and /^[-*+]\\s+(.*)$/', () => {
    const inputs = samples(['#', '##', ' ', '\t', '\u00a0', 'a', '-', '*', '+', 'b c'], 6);
    for (const [marker, re] of [
      ['#', /^#\s+(.*)$/],
      ['##', /^##\s+(.*)$/],
      ['###', /^###\s+(.*)$/],
    ] as const) {
      expect(inputs.filter((s) => afterMarker(s, marker) !== null).length).toBeGreaterThan(50);
      expect(
        disagreements(
          inputs,
          (s) => afterMarker(s, marker),
          (s) => re.exec(s)?.[1] ?? null,
        ),
      ).toEqual([]);
    }
    expect(disagreements(inputs, listItem, (s) => /^[-*+]\s+(.*)$/.exec(s)?.[1] ?? null)).toEqual([]);
  });

  it('trailingMailto = /\\s*\\(\\[[^\\]]*\\]\\(mailto:([^()\\s]+)\\)\\)$/', () => {
    const pieces = ['(', ')', '[', ']', '([', '](mailto:', 'a@b.c', ' ', 'x', '))', '\t', 'Editor, N '];
    const parts = samples(pieces, 7);
    // half of them built like a masthead item, with noise in each part
    const inputs = parts.map((s, i) =>
      i % 2 ? s : `${parts[i + 1]}([${parts[i + 3]}](mailto:${parts[i + 5]}${parts[i + 7]?.slice(0, 2)}))`,
    );
    expect(inputs.filter((s) => trailingMailto(s) !== null).length).toBeGreaterThan(200);
    const re = /\s*\(\[[^\]]*\]\(mailto:([^()\s]+)\)\)$/;
    expect(
      disagreements(inputs, trailingMailto, (s) => {
        const m = re.exec(s);
        return m ? { email: m[1], index: m.index } : null;
      }),
    ).toEqual([]);
  });

  it('angleBracketed = [...matchAll(/<([^>]*)>/g)]', () => {
    const inputs = samples(['<', '>', 'a', ' ', ',', 'https://x'], 8);
    expect(
      disagreements(inputs, angleBracketed, (s) => [...s.matchAll(/<([^>]*)>/g)].map((m) => m[1])),
    ).toEqual([]);
  });
});
