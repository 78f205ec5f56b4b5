import { inlineText, isInlineLink, issueLabel, MONTH_NAMES } from '@app/content';
import type {
  AttributedItem,
  EditionContent,
  Highlight,
  Inline,
  InlineRun,
  LinkItem,
  LinkSource,
  MastheadEntry,
} from '@app/content';
import { InvalidInputError } from '../common/domain.errors';
import {
  LINK_EXAMPLE,
  plainField,
  plainLineText,
  plainRuns,
  runsToInline,
  scanInline,
  splitRunsOnCommas,
  splitTrailingRuns,
  trimRuns,
} from './inline.parser';

/**
 * Parser for the plain-text draft format editors paste in (see docs/draft-format.md).
 *
 * Pure: no Nest, no database. Tolerant of layout noise (CRLF, BOM, trailing spaces, blank lines anywhere),
 * strict about content it cannot understand: it then throws a DraftParseError naming the 1-based line and
 * what was expected there.
 */

/** A draft that cannot be read (400): the API answers `{ message, line, expected, found }`. */
export class DraftParseError extends InvalidInputError {
  /** 1-based line number in the text as given (a BOM does not count as a line). */
  readonly line: number;
  /** What the parser expected on that line, in words an editor understands. */
  readonly expected: string;
  /** The offending line (trimmed), when there was one. */
  readonly found?: string;

  constructor(line: number, expected: string, found?: string) {
    const shown =
      found === undefined ? '' : `, found “${found.length > 80 ? `${found.slice(0, 77)}...` : found}”`;
    super(`Line ${line}: expected ${expected}${shown}`, {
      line,
      expected,
      ...(found !== undefined ? { found } : {}),
    });
    this.line = line;
    this.expected = expected;
    if (found !== undefined) this.found = found;
  }
}

/** One non-blank source line with its 1-based number. */
export interface SourceLine {
  n: number;
  text: string;
}

export type SectionKind = 'links' | 'analysis' | 'perspectives' | 'masthead';

// ---- Linear text helpers ---------------------------------------------------------------------------------
// Every regular expression here sees editor input, and a backtracking pattern such as /[\s|:]+$/ retries
// from every position of a long run: quadratic, and one 80,000-space line held the API for seconds. So
// patterns stay anchored and non-overlapping, trailing runs are scanned by these loops instead, and no line
// is longer than MAX_DRAFT_LINE_LENGTH (libs/core/src/editions/regex-linear.spec.ts checks all of it).

/**
 * The longest line a draft may have, in UTF-16 code units, after trimming. The April 2025 issue's longest
 * line (a paragraph of about 150 words) has 911; a line this long is a paste gone wrong.
 */
export const MAX_DRAFT_LINE_LENGTH = 5000;

/** Line terminators as `.` and `$` know them. */
export const LINE_TERMINATOR_RE = /[\n\r\u2028\u2029]/;

/** True for one character that `\s` matches (String.prototype.trim removes exactly those). */
export function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && ch !== '' && ch.trim() === '';
}

/** `text` without its trailing characters (UTF-16 code units) for which `drop` holds. */
export function trimEndWhile(text: string, drop: (ch: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** What may stand between the publication name and the month in a subject: "Name | April 2025". */
const SUBJECT_SEPARATORS = '|:–—-';

/** `text` without trailing spaces and separators: what .replace(/[\s|:–—-]+$/u, '') did, in one pass. */
export function trimSubjectSeparators(text: string): string {
  return trimEndWhile(text, (c) => isSpace(c) || SUBJECT_SEPARATORS.includes(c));
}
const HIGHLIGHTS = 'highlights';

/**
 * Refuses a line that cannot be part of a draft: longer than MAX_DRAFT_LINE_LENGTH, or holding a control
 * character or line separator. `line` is the line as typed, `n` its 1-based number.
 */
export function checkDraftLine(line: string, n: number): void {
  if (line.length > MAX_DRAFT_LINE_LENGTH) {
    throw new DraftParseError(
      n,
      `a line of at most ${MAX_DRAFT_LINE_LENGTH.toLocaleString('en')} characters (this one has ${line.length.toLocaleString('en')})`,
    );
  }
  // NUL cannot be stored (PostgreSQL text) and other controls or line separators have no place in a
  // draft: say which line holds one rather than failing later.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u0085\u2028\u2029]/.test(line)) {
    throw new DraftParseError(
      n,
      'text without control characters or line separators (a NUL, escape or similar was found)',
    );
  }
}

export { MONTH_NAMES };

const MONTH_RE =
  /\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?\s+(\d{4})\b/i;

/** Finds "April 2025" (or "Apr 2025") in a line; returns the matched text and the "YYYY-MM" slug. */
export function findIssueMonth(text: string): { match: string; slug: string; index: number } | null {
  const m = MONTH_RE.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const prefix = m[1].toLowerCase().slice(0, 3);
  const month = MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(prefix)) + 1;
  return { match: m[0], slug: `${m[2]}-${String(month).padStart(2, '0')}`, index: m.index };
}

/** "2025-04" -> "April 2025". */
export const issueLabelFromSlug = issueLabel;

/** The size of edition.subject (varchar): a longer subject is refused, not cut. */
export const EDITION_SUBJECT_MAX_LENGTH = 300;

/** Splits "Name | April 2025" into publication name and month slug; throws at `line` if impossible. */
export function parseSubject(subject: string, line: number): { publicationName: string; slug: string } {
  if (subject.length > EDITION_SUBJECT_MAX_LENGTH) {
    throw new DraftParseError(
      line,
      `a subject of at most ${EDITION_SUBJECT_MAX_LENGTH} characters (this one has ${subject.length.toLocaleString('en')})`,
      subject,
    );
  }
  const month = findIssueMonth(subject);
  if (!month) {
    throw new DraftParseError(
      line,
      'a subject line with the issue month, e.g. “Publication Name | April 2025”',
      subject,
    );
  }
  const bar = subject.indexOf(' | ');
  let publicationName =
    bar >= 0
      ? subject.slice(0, bar)
      : subject.slice(0, month.index) + subject.slice(month.index + month.match.length);
  publicationName = trimSubjectSeparators(publicationName).trim();
  if (!publicationName) {
    throw new DraftParseError(
      line,
      'the publication name before the month, e.g. “Publication Name | April 2025”',
      subject,
    );
  }
  return { publicationName, slug: month.slug };
}

function normalizeHeading(text: string): string {
  return text.replace(/:$/, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Recognises the section headings after the highlights (case-insensitive, an optional trailing colon). */
export function headingKind(text: string, publicationName: string): SectionKind | null {
  const h = normalizeHeading(text);
  const pub = normalizeHeading(publicationName);
  const firstWord = pub.split(' ')[0] ?? pub;
  if (h === 'links') return 'links';
  if (h === 'recent analysis' || h === 'analysis') return 'analysis';
  if (h === 'perspectives' || h === 'crank perspectives' || h === `${firstWord} perspectives`) {
    return 'perspectives';
  }
  if (h === `${pub} perspectives`) return 'perspectives';
  if (pub && h === pub) return 'masthead';
  return null;
}

/**
 * "Highlights" as the last word, an optional colon after it: what /^(?:.*\s)?highlights:?$/i said, written
 * as slices so its cost cannot depend on how the line is built.
 */
export function isHighlightsHeading(text: string): boolean {
  const t = text.trim();
  const body = t.endsWith(':') ? t.slice(0, -1) : t;
  if (!/^highlights$/i.test(body.slice(-HIGHLIGHTS.length))) return false;
  const before = body.slice(0, -HIGHLIGHTS.length);
  // `.*` stops at a line terminator, so the text before the last space may hold none
  return (
    before === '' || (isSpace(before[before.length - 1]) && !LINE_TERMINATOR_RE.test(before.slice(0, -1)))
  );
}

/** Heading written by formatDraft / toMarkdown for each optional section. */
export function sectionHeading(kind: Exclude<SectionKind, 'masthead'>, publicationName: string): string {
  if (kind === 'links') return 'Links';
  if (kind === 'analysis') return 'Recent Analysis';
  const firstWord = publicationName.trim().split(/\s+/)[0];
  return firstWord ? `${firstWord} Perspectives` : 'Perspectives';
}

/**
 * The last balanced parenthesised group at the very end of `text`:
 * "Title (A (B), C)" -> { before: "Title", inner: "A (B), C" }. Null if the line does not end with one.
 */
export function splitTrailingGroup(text: string): { before: string; inner: string } | null {
  if (!text.endsWith(')')) return null;
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return { before: text.slice(0, i).trimEnd(), inner: text.slice(i + 1, -1).trim() };
    }
  }
  return null;
}

/** A character a masthead address may not hold (space, @ apart from the one separator, brackets, quotes...). */
const EMAIL_FORBIDDEN_RE = /[\s@()<>,;:"[\]\\]/;

/**
 * A plausible address for a masthead line: "local@domain" with a dot inside the domain, nothing in
 * EMAIL_FORBIDDEN_RE. The single regex this replaces (/^[^X]+@[^X]+\.[^X]+$/) tried every dot of the domain
 * and rescanned the rest each time: quadratic in the number of dots.
 */
export function isEmailLike(text: string): boolean {
  const at = text.indexOf('@');
  if (at <= 0) return false;
  const domain = text.slice(at + 1);
  return (
    !EMAIL_FORBIDDEN_RE.test(text.slice(0, at)) &&
    !EMAIL_FORBIDDEN_RE.test(domain) &&
    domain.slice(1, -1).includes('.')
  );
}

// ---- Highlights: headline or paragraph? --------------------------------------------------------------

export type HighlightLineKind = 'headline' | 'paragraph';

/** The last character of `text` before any closing quotes and brackets, or undefined. */
function finalMark(text: string): string | undefined {
  const end = trimEndWhile(text, (c) => CLOSING_MARKS.includes(c)).length;
  return end > 0 ? text[end - 1] : undefined;
}
const CLOSING_MARKS = `"'”’»)]`;
/** A line ends a sentence: . ! ? or … optionally followed by closing quotes/brackets. */
export const endsSentence = (text: string): boolean => '.!?…'.includes(finalMark(text) ?? 'x');
export const endsQuestion = (text: string): boolean => finalMark(text) === '?';
/** A line without final punctuation longer than this is a paragraph that lost its full stop, not a headline. */
export const MAX_HEADLINE_LENGTH = 200;
/** A question that is at most this long and followed by body text is a headline ("Will X happen?"). */
export const MAX_QUESTION_HEADLINE_LENGTH = 120;
const HEADLINE_MARK_RE = /^#\s+/;
const PARAGRAPH_MARK_RE = /^¶\s*/u;

function isPlainParagraph(text: string): boolean {
  if (PARAGRAPH_MARK_RE.test(text)) return true;
  if (HEADLINE_MARK_RE.test(text)) return false;
  const plain = plainLineText(text);
  return endsSentence(plain) && !(endsQuestion(plain) && plain.length <= MAX_QUESTION_HEADLINE_LENGTH);
}

/**
 * Classifies one line of the highlights section. `next` is the following non-blank line of the same section,
 * if any. Explicit marks win: "# " forces a headline, "¶ " a paragraph (both are removed from the text).
 * Punctuation and length are those of the text a reader reads: a link's words count, its address does not
 * ("Russia [warns](https://…)" is a headline, "… he [said](https://…)." a paragraph).
 */
export function classifyHighlightLine(
  text: string,
  next: string | undefined,
): { kind: HighlightLineKind; text: string } {
  if (HEADLINE_MARK_RE.test(text)) return { kind: 'headline', text: text.replace(HEADLINE_MARK_RE, '') };
  if (PARAGRAPH_MARK_RE.test(text)) return { kind: 'paragraph', text: text.replace(PARAGRAPH_MARK_RE, '') };
  const plain = plainLineText(text);
  if (endsQuestion(plain)) {
    const questionHeadline =
      plain.length <= MAX_QUESTION_HEADLINE_LENGTH && next !== undefined && isPlainParagraph(next);
    return { kind: questionHeadline ? 'headline' : 'paragraph', text };
  }
  if (endsSentence(plain)) return { kind: 'paragraph', text };
  return { kind: plain.length > MAX_HEADLINE_LENGTH ? 'paragraph' : 'headline', text };
}

// ---- Links inside lines ---------------------------------------------------------------------------------

/** The runs of (part of) a line, links checked; a malformed link or refused address throws at `line`. */
export function lineRuns(text: string, line: SourceLine, markdown = false): InlineRun[] {
  return scanInline(text, markdown, (expected) => {
    throw new DraftParseError(line.n, expected, line.text);
  });
}

/** Running text of (part of) a line: a string when it holds no link. */
export function lineInline(text: string, line: SourceLine, markdown = false): Inline {
  return runsToInline(lineRuns(text, line, markdown));
}

/** The sources of a link line, from the runs inside its trailing parentheses. */
export function sourcesOf(inner: InlineRun[], line: SourceLine, expected: string): LinkSource[] {
  // A source is a name or a link: emphasis on it (an italic newspaper name in Word) is not kept.
  return splitRunsOnCommas(plainRuns(inner)).map((piece) => {
    const runs = trimRuns(piece);
    const [first, second] = runs;
    if (first === undefined) {
      throw new DraftParseError(line.n, `${expected}: source names separated by commas`, line.text);
    }
    if (runs.length === 1)
      return isInlineLink(first) ? { name: first.text, url: first.href } : (first as string);
    // "Reuters <https://…>": a name, then the address as an autolink
    if (
      runs.length === 2 &&
      typeof first === 'string' &&
      typeof second !== 'string' &&
      second !== undefined &&
      second.text === second.href
    ) {
      return { name: first.trim(), url: second.href };
    }
    throw new DraftParseError(
      line.n,
      `${expected}: each source a name, a link “[Reuters](https://…)” or “Reuters <https://…>”`,
      line.text,
    );
  });
}

/** Title and attribution of an analysis or perspectives line (or its Markdown item). */
export function attributedOf(
  runs: InlineRun[],
  line: SourceLine,
  expected: string,
  markdown: boolean,
): AttributedItem {
  // A title and an attribution are plain text (the title maybe a link): emphasis on them (an italic report
  // title in Word) is not kept.
  const group = splitTrailingRuns(plainRuns(runs));
  if (!group || group.inner.length === 0) {
    throw new DraftParseError(line.n, `${expected}: the attribution in parentheses is missing`, line.text);
  }
  if (group.before.length === 0)
    throw new DraftParseError(line.n, `${expected}: the title is missing`, line.text);
  if (group.inner.some((r) => typeof r !== 'string')) {
    throw new DraftParseError(line.n, `${expected}: an attribution without links`, line.text);
  }
  const attribution = (group.inner as string[]).join('');
  const [only] = group.before;
  if (group.before.length === 1 && only !== undefined && typeof only !== 'string') {
    return { title: only.text, attribution, url: only.href };
  }
  if (group.before.some((r) => typeof r !== 'string')) {
    throw new DraftParseError(
      line.n,
      `${expected}: a title that is plain text or one link ${markdown ? '“[Title](https://…)”' : LINK_EXAMPLE.replace('text', 'Title')}`,
      line.text,
    );
  }
  return { title: (group.before as string[]).join(''), attribution };
}

// "* " is a bullet, "*" before a word is emphasis ("*Italic* words (Reuters)").
const LINK_BULLET_RE = /^(?:—|–|--?|•|\*(?=\s))\s*/u;

function parseHighlights(lines: SourceLine[]): Highlight[] {
  const highlights: Highlight[] = [];
  let current: { h: Highlight; line: SourceLine } | null = null;
  const linkHint = (l: SourceLine) =>
    LINK_BULLET_RE.test(l.text) && splitTrailingGroup(l.text)
      ? ' (link lines belong after a “Links” heading)'
      : '';
  lines.forEach((line, i) => {
    const classified = classifyHighlightLine(line.text, lines[i + 1]?.text);
    const { kind } = classified;
    const text = lineInline(classified.text, line);
    if (!inlineText(text)) throw new DraftParseError(line.n, 'text after the “#” or “¶” mark', line.text);
    if (kind === 'headline') {
      if (current && current.h.paragraphs.length === 0) {
        throw new DraftParseError(
          line.n,
          `a paragraph for the headline on line ${current.line.n} (paragraphs end with . ? or !)${linkHint(line)}`,
          line.text,
        );
      }
      current = { h: { headline: text, paragraphs: [] }, line };
      highlights.push(current.h);
    } else {
      if (!current) {
        throw new DraftParseError(
          line.n,
          'a headline before this paragraph (a short line without a full stop at the end)',
          line.text,
        );
      }
      current.h.paragraphs.push(text);
    }
  });
  const last = current as { h: Highlight; line: SourceLine } | null;
  if (last && last.h.paragraphs.length === 0) {
    throw new DraftParseError(last.line.n, 'at least one paragraph after this headline', last.line.text);
  }
  return highlights;
}

// ---- Line parsers for the list sections ----------------------------------------------------------------

export const LINK_LINE_EXPECTED = 'a link line like “—What happened. (Source, Source)”';

/**
 * "—What happened. (Source, Source)": the text may hold links, each source may be linked
 * ("[Reuters](https://…)" or "Reuters <https://…>"); "(Reuters [1], TASS)" is two plain sources.
 */
export function parseLinkLine(line: SourceLine): LinkItem {
  const expected = LINK_LINE_EXPECTED;
  const body = line.text.replace(LINK_BULLET_RE, '');
  const group = splitTrailingRuns(lineRuns(body, line));
  if (!group)
    throw new DraftParseError(line.n, `${expected}: the sources in parentheses are missing`, line.text);
  if (group.before.length === 0)
    throw new DraftParseError(line.n, `${expected}: the text is missing`, line.text);
  const sources = sourcesOf(group.inner, line, expected);
  return { text: runsToInline(group.before), sources };
}

/** "Title (Author, Institution)" or "[Title](https://…) (Author, Institution)". */
export function parseAttributedLine(line: SourceLine, section: string): AttributedItem {
  const expected = `${section} line like “Title (Author, Institution)”`;
  return attributedOf(lineRuns(line.text, line), line, expected, false);
}

export function parseMastheadLine(line: SourceLine): MastheadEntry {
  const expected = 'a masthead line “Role, Name” or “Role, Name (email)”';
  let rest = line.text;
  let email: string | undefined;
  const group = splitTrailingGroup(rest);
  if (group && group.inner.includes('@')) {
    if (!isEmailLike(group.inner)) {
      throw new DraftParseError(line.n, `${expected}: “${group.inner}” is not an email address`, line.text);
    }
    email = group.inner;
    rest = group.before;
  }
  const comma = rest.indexOf(',');
  const role = comma >= 0 ? rest.slice(0, comma).trim() : '';
  const name = comma >= 0 ? rest.slice(comma + 1).trim() : '';
  if (!role || !name) throw new DraftParseError(line.n, expected, line.text);
  return email === undefined ? { role, name } : { role, name, email };
}

// ---- Whole document -------------------------------------------------------------------------------------

/** Splits text into trimmed non-blank lines with their 1-based numbers (BOM and CR/CRLF handled). */
export function sourceLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, i) => {
      const t = raw.trim();
      checkDraftLine(t, i + 1);
      if (t) out.push({ n: i + 1, text: t });
    });
  return out;
}

export function parseDraft(text: string): EditionContent {
  const lines = sourceLines(text);
  const subjectLine = lines[0];
  if (!subjectLine) {
    throw new DraftParseError(1, 'a subject line with the issue month, e.g. “Publication Name | April 2025”');
  }
  const subject = plainField(subjectLine.text);
  const { publicationName, slug } = parseSubject(subject, subjectLine.n);

  // Description (one line) then the highlights heading; the description may be left out.
  let pos = 1;
  let description = '';
  const second = lines[pos];
  if (second && !isHighlightsHeading(plainField(second.text))) {
    description = plainField(second.text);
    pos++;
  }
  const headingLine = lines[pos];
  if (!headingLine || !isHighlightsHeading(plainField(headingLine.text))) {
    throw new DraftParseError(
      headingLine?.n ?? (lines[pos - 1]?.n ?? 0) + 1,
      'the highlights heading, e.g. “April 2025 Highlights” (after the subject and the one-line description)',
      headingLine?.text,
    );
  }
  const highlightsTitle = plainField(headingLine.text);
  const titleMonth = findIssueMonth(highlightsTitle);
  if (titleMonth && titleMonth.slug !== slug) {
    throw new DraftParseError(
      headingLine.n,
      `the same month as the subject (${issueLabelFromSlug(slug)})`,
      headingLine.text,
    );
  }
  pos++;

  // Split the rest into sections by their headings.
  const sections: Record<'highlights' | SectionKind, SourceLine[]> = {
    highlights: [],
    links: [],
    analysis: [],
    perspectives: [],
    masthead: [],
  };
  const seen = new Map<SectionKind, SourceLine>();
  let current: 'highlights' | SectionKind = 'highlights';
  let mastheadTitle = '';
  for (const line of lines.slice(pos)) {
    const marked: boolean =
      current === 'highlights' && (HEADLINE_MARK_RE.test(line.text) || PARAGRAPH_MARK_RE.test(line.text));
    // Headings, like every field without links, read emphasis marks as no part of their words.
    const heading = plainField(line.text);
    const kind: SectionKind | null = marked ? null : headingKind(heading, publicationName);
    if (kind) {
      const previous = seen.get(kind);
      if (previous) {
        throw new DraftParseError(
          line.n,
          `each section only once (“${previous.text}” already started on line ${previous.n})`,
          line.text,
        );
      }
      seen.set(kind, line);
      if (kind === 'masthead') mastheadTitle = heading.replace(/:$/, '').trim();
      current = kind;
      continue;
    }
    sections[current].push(line);
  }

  return {
    publicationName,
    slug,
    subject,
    description,
    highlightsTitle,
    highlights: parseHighlights(sections.highlights),
    links: sections.links.map(parseLinkLine),
    analysis: sections.analysis.map((l) => parseAttributedLine(l, 'an analysis')),
    perspectives: sections.perspectives.map((l) => parseAttributedLine(l, 'a perspectives')),
    mastheadTitle,
    masthead: sections.masthead.map((l) => parseMastheadLine({ n: l.n, text: plainField(l.text) })),
  };
}
