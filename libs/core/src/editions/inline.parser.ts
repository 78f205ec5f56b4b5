import {
  type Inline,
  type InlineMarks,
  type InlineRun,
  isInlineLink,
  linkUrlProblem,
  normalizeInline,
  runMarks,
  withoutEmphasis,
} from '@app/content';

/**
 * Links and emphasis inside a line of a draft (issue 14), in the Markdown syntax editors know:
 *
 *   [words](https://...)     a link: the words shown, the address in parentheses (balanced parentheses allowed)
 *   <https://...>            an autolink: the address shown as its own text
 *   **words**                strong (bold in Word)
 *   *words*                  emphasis (italic in Word)
 *
 * `[1]` or `[sic]` not followed by "(" stays text, so "(Reuters [1], TASS)" reads as before. Once "[words]("
 * is written, it is a link: an address that is not an absolute http(s) URL is refused (linkUrlProblem), not
 * kept as text. A backslash makes the next character literal: in a text draft before "[", "]", "<", "*" or
 * "\" only (so "\[1](2)" is text, and a lone backslash stays a backslash); in Markdown before any ASCII
 * punctuation, as CommonMark says.
 *
 * Emphasis marks are flat, not nested: "**" switches strong on or off, "*" emphasis ("***" is "**" then "*"),
 * so "**a *b** c*" is a strong, b strong and emphasised, c emphasised. A mark switches on only before a
 * non-space ("2 * 3" and "a ** b" are text) and off only after one; a mark left on at the end of the line was
 * text after all (a lone "*", "5*"). Emphasis never reaches inside a link's brackets or address: a link takes
 * the marks around it ("**[Reuters](https://…)**").
 *
 * One pass, no regular expression over the line: the label scan stops at the next "[" or "]", the autolink
 * scan at the next "<", ">" or space, so each character is looked at a bounded number of times (a line of
 * 5,000 "[" or "<" or "](" or "*" costs what a line of letters costs; regex-linear.spec.ts measures it); a
 * mark left on is undone once, over the runs after it.
 */

/** Throws with what was expected; the caller adds the line number. Null: never throw, read what can be read. */
export type InlineFail = ((expected: string) => never) | null;

/** What a backslash escapes in a text draft: only what could start or end a link or emphasis, and itself. */
function isDraftEscapable(c: string | undefined): boolean {
  return c === '[' || c === ']' || c === '<' || c === '*' || c === '\\';
}

/** What a backslash escapes in a line that holds no links (a plain field): an emphasis mark only (see plainField). */
function isMarkEscapable(c: string | undefined): boolean {
  return c === '*';
}

/** ASCII punctuation: what a Markdown backslash escapes. */
function isAsciiPunctuation(c: string | undefined): boolean {
  if (c === undefined || c.length !== 1) return false;
  const code = c.charCodeAt(0);
  return (
    (code >= 0x21 && code <= 0x2f) ||
    (code >= 0x3a && code <= 0x40) ||
    (code >= 0x5b && code <= 0x60) ||
    (code >= 0x7b && code <= 0x7e)
  );
}

function isSpaceChar(c: string): boolean {
  return c.trim() === '';
}

/** "scheme:" at the start of an autolink's inside, checked by hand (letters, then letters, digits, + . -). */
function hasScheme(inside: string): boolean {
  const colon = inside.indexOf(':');
  if (colon < 1) return false;
  for (let i = 0; i < colon; i++) {
    const c = inside.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const other = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d;
    if (!letter && (i === 0 || !other)) return false;
  }
  return true;
}

export const LINK_EXAMPLE = '“[text](https://…)”';

/** A piece of a line as scanned: its text, its address if it is a link, its marks. */
interface Segment {
  text: string;
  href?: string;
  strong: boolean;
  em: boolean;
}

type Mark = 'strong' | 'em';

/** Where a mark was switched on: the first segment it covers, and the "**" or "*" that switched it. */
interface OpenMark {
  at: number;
  delimiter: string;
  /** Whether the other mark was on where the delimiter stood (the delimiter keeps it if it turns out text). */
  other: boolean;
}

const OTHER: Record<Mark, Mark> = { strong: 'em', em: 'strong' };

/**
 * The runs of one line: text, links and emphasis. `markdown` turns on Markdown's backslash escapes. With
 * `fail`, a malformed link or a refused address throws; without, it is read as best it can be (for deciding
 * what kind of line it is). `links: false` reads only emphasis (for fields that hold no links, see plainField).
 */
export function scanInline(text: string, markdown: boolean, fail: InlineFail, links = true): InlineRun[] {
  const escapable = !links ? isMarkEscapable : markdown ? isAsciiPunctuation : isDraftEscapable;
  const segments: Segment[] = [];
  const marks = { strong: false, em: false };
  const open: Record<Mark, OpenMark | null> = { strong: null, em: null };
  let buf = '';
  const flush = () => {
    if (buf) segments.push({ text: buf, ...marks });
    buf = '';
  };
  const pushLink = (words: string, href: string) => {
    flush();
    segments.push({ text: words, href, ...marks });
  };
  const len = text.length;
  let i = 0;
  while (i < len) {
    const c = text[i]!;
    if (c === '\\' && escapable(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '*') {
      const delimiter = text[i + 1] === '*' ? '**' : '*';
      const mark: Mark = delimiter === '**' ? 'strong' : 'em';
      const before = text[i - 1];
      const after = text[i + delimiter.length];
      const switches = marks[mark]
        ? before !== undefined && !isSpaceChar(before)
        : after !== undefined && !isSpaceChar(after);
      if (switches) {
        flush();
        marks[mark] = !marks[mark];
        open[mark] = marks[mark] ? { at: segments.length, delimiter, other: marks[OTHER[mark]] } : null;
      } else {
        buf += delimiter;
      }
      i += delimiter.length;
      continue;
    }
    if (links && c === '[') {
      let j = i + 1;
      let label = '';
      while (j < len) {
        const d = text[j]!;
        if (d === '\\' && escapable(text[j + 1])) {
          label += text[j + 1];
          j += 2;
          continue;
        }
        if (d === '[' || d === ']') break;
        label += d;
        j++;
      }
      if (j >= len || text[j] !== ']' || text[j + 1] !== '(') {
        // "[1]", "[sic]", a lone "[": text. The label holds no "[", so nothing is skipped.
        buf += '[';
        i++;
        continue;
      }
      let k = j + 2;
      let depth = 0;
      while (k < len) {
        const d = text[k]!;
        if (d === '(') depth++;
        else if (d === ')') {
          if (depth === 0) break;
          depth--;
        } else if (isSpaceChar(d)) break;
        k++;
      }
      if (k >= len || text[k] !== ')') {
        if (fail) {
          fail(
            k < len
              ? `a link ${LINK_EXAMPLE} whose address has no spaces and ends with “)”`
              : `a link ${LINK_EXAMPLE} whose address ends with “)”`,
          );
        }
        buf += text.slice(i, k); // best effort: the broken link is text
        i = k;
        continue;
      }
      const href = text.slice(j + 2, k);
      if (fail) {
        if (label.trim() === '') fail(`link text inside the brackets of ${LINK_EXAMPLE}`);
        const problem = linkUrlProblem(href);
        if (problem) fail(problem);
      }
      pushLink(label, href);
      i = k + 1;
      continue;
    }
    if (links && c === '<') {
      let k = i + 1;
      while (k < len) {
        const d = text[k]!;
        if (d === '<' || d === '>' || isSpaceChar(d)) break;
        k++;
      }
      const inside = text.slice(i + 1, k);
      if (k < len && text[k] === '>' && hasScheme(inside)) {
        if (fail) {
          const problem = linkUrlProblem(inside);
          if (problem) fail(problem);
        }
        pushLink(inside, inside);
        i = k + 1;
        continue;
      }
      buf += '<'; // "<3", "<b>": text. The scan stopped at the next "<", so nothing is skipped.
      i++;
      continue;
    }
    buf += c;
    i++;
  }
  flush();
  // A mark still on was text: put its delimiter back where it stood and take the mark off what followed.
  const unclosed = (['strong', 'em'] as const)
    .map((mark) => ({ mark, at: open[mark] }))
    .filter((o): o is { mark: Mark; at: OpenMark } => o.at !== null)
    .sort((x, y) => y.at.at - x.at.at);
  for (const { mark, at } of unclosed) {
    for (let k = at.at; k < segments.length; k++) segments[k]![mark] = false;
    const literal: Segment = { text: at.delimiter, strong: false, em: false };
    literal[OTHER[mark]] = at.other;
    segments.splice(at.at, 0, literal);
  }
  return segments.map(toRun);
}

function toRun(s: Segment): InlineRun {
  const marks: InlineMarks = { ...(s.strong ? { strong: true } : {}), ...(s.em ? { em: true } : {}) };
  if (s.href !== undefined) return { text: s.text, href: s.href, ...marks };
  return s.strong || s.em ? { text: s.text, ...marks } : s.text;
}

/**
 * A field that holds no links (the subject, description, headings, masthead) as its words: emphasis marks
 * taken out (a Word import writes a bolded heading as "**Links**"), "\*" read as "*", everything else as
 * written. formatDraft writes such a field back with plainFieldDraft.
 */
export function plainField(text: string): string {
  if (!text.includes('*')) return text;
  let out = '';
  for (const r of scanInline(text, false, null, false)) out += typeof r === 'string' ? r : r.text;
  return out;
}

/** A field that holds no links, written so that plainField reads it back: each "*" escaped. */
export function plainFieldDraft(text: string): string {
  return text.includes('*') ? text.split('*').join('\\*') : text;
}

/** What a reader reads of a line: link words without their addresses (never throws). */
export function plainLineText(text: string, markdown = false): string {
  let out = '';
  for (const r of scanInline(text, markdown, null)) out += typeof r === 'string' ? r : r.text;
  return out;
}

// ---- Structure over runs (links are opaque: their brackets, parentheses and commas do not count) ----------

/** Runs without leading spaces on the first text and trailing spaces on the last, empty texts dropped. */
export function trimRuns(runs: InlineRun[]): InlineRun[] {
  const out = runs.filter((r) => r !== '');
  const first = out[0];
  if (typeof first === 'string') {
    const t = first.trimStart();
    if (t) out[0] = t;
    else out.shift();
  }
  const last = out[out.length - 1];
  if (typeof last === 'string') {
    const t = last.trimEnd();
    if (t) out[out.length - 1] = t;
    else out.pop();
  }
  return out;
}

/**
 * The last balanced parenthesised group at the very end of a line's runs, as splitTrailingGroup finds it in
 * text: "Text ([A](u), B)" -> before "Text", inner "[A](u), B". Null if the line does not end with one.
 */
export function splitTrailingRuns(runs: InlineRun[]): { before: InlineRun[]; inner: InlineRun[] } | null {
  const last = runs[runs.length - 1];
  if (typeof last !== 'string' || !last.endsWith(')')) return null;
  let depth = 0;
  for (let r = runs.length - 1; r >= 0; r--) {
    const run = runs[r]!;
    if (typeof run !== 'string') continue;
    for (let i = run.length - 1; i >= 0; i--) {
      const c = run[i];
      if (c === ')') depth++;
      else if (c === '(') {
        depth--;
        if (depth === 0) {
          const before = trimRuns([...runs.slice(0, r), run.slice(0, i)]);
          const innerRuns =
            r === runs.length - 1 ? [run.slice(i + 1, -1)] : [run.slice(i + 1), ...runs.slice(r + 1)];
          if (r !== runs.length - 1) innerRuns[innerRuns.length - 1] = last.slice(0, -1);
          return { before, inner: trimRuns(innerRuns) };
        }
      }
    }
  }
  return null;
}

/** Runs split at the commas of their texts. */
export function splitRunsOnCommas(runs: InlineRun[]): InlineRun[][] {
  const pieces: InlineRun[][] = [[]];
  for (const run of runs) {
    if (typeof run !== 'string') {
      pieces[pieces.length - 1]!.push(run);
      continue;
    }
    const parts = run.split(',');
    parts.forEach((p, k) => {
      if (k > 0) pieces.push([]);
      pieces[pieces.length - 1]!.push(p);
    });
  }
  return pieces;
}

/** Runs without emphasis and with adjacent texts joined: for fields that keep no emphasis. */
export function plainRuns(runs: InlineRun[]): InlineRun[] {
  const out: InlineRun[] = [];
  for (const r of withoutEmphasis(runs)) {
    const last = out[out.length - 1];
    if (typeof r === 'string' && typeof last === 'string') out[out.length - 1] = last + r;
    else out.push(r);
  }
  return out;
}

/** Runs as canonical running text. */
export function runsToInline(runs: InlineRun[]): Inline {
  return normalizeInline(runs);
}

// ---- Writing runs back ------------------------------------------------------------------------------------

/** True when the "<" at `i` of `text` starts an autolink "<scheme:…>" (the scan scanInline does). */
function startsAutolink(text: string, i: number): boolean {
  let k = i + 1;
  while (k < text.length && text[k] !== '<' && text[k] !== '>' && !isSpaceChar(text[k]!)) k++;
  return text[k] === '>' && hasScheme(text.slice(i + 1, k));
}

/**
 * Text of a draft line with the backslashes it needs to read back as text, and no more: "[" and "]" only in
 * a text holding "](" (where a link could start) or in a link's words, "<" only where "<scheme:…>" follows,
 * every "*" (it could switch emphasis), a backslash only before what it would escape (or at the end, before a
 * link's "[" or an emphasis mark). So "(Reuters [1], TASS)" and "<b>" are written as they read.
 */
function escapeDraftText(text: string, inLabel: boolean, last: boolean): string {
  const brackets = inLabel || text.includes('](');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\' && (isDraftEscapable(next) || (next === undefined && !last))) out += '\\\\';
    else if ((c === '[' || c === ']') && brackets) out += `\\${c}`;
    else if (c === '<' && startsAutolink(text, i)) out += '\\<';
    else if (c === '*') out += '\\*';
    else out += c;
  }
  return out;
}

/**
 * The marks that switch emphasis from `from` to `to`: "**" for strong, then "*" for emphasis. The scan reads
 * "***" as "**" then "*" whatever is switched on or off, and normalizeInline keeps spaces out of emphasised
 * text, so a mark switched on is always followed by a non-space and one switched off preceded by one.
 */
function markDelimiters(from: InlineMarks, to: InlineMarks): string {
  return (!!from.strong !== !!to.strong ? '**' : '') + (!!from.em !== !!to.em ? '*' : '');
}

/** Running text as `link` and `text` write its runs, with the emphasis marks between them. */
function writeRuns(
  value: Inline,
  text: (text: string, last: boolean) => string,
  link: (words: string, href: string) => string,
): string {
  const runs = typeof value === 'string' ? [value] : value;
  let marks: InlineMarks = {};
  let out = '';
  runs.forEach((r, i) => {
    const next = runMarks(r);
    out += markDelimiters(marks, next);
    marks = next;
    const last = i === runs.length - 1 && !marks.strong && !marks.em;
    if (typeof r === 'string') out += text(r, last);
    else if (isInlineLink(r)) out += link(r.text, r.href);
    else out += text(r.text, last);
  });
  return out + markDelimiters(marks, {});
}

/** Running text in the draft syntax: links as [text](href), emphasis as **…** and *…*, text escaped. */
export function draftInline(value: Inline): string {
  return writeRuns(
    value,
    (t, last) => escapeDraftText(t, false, last),
    (words, href) => `[${escapeDraftText(words, true, false)}](${href})`,
  );
}

/** Running text in Markdown: texts escaped with `escape`, links as [escaped text](href), emphasis as in drafts. */
export function markdownInline(value: Inline, escape: (text: string) => string): string {
  if (typeof value === 'string') return escape(value);
  return writeRuns(
    value,
    (t) => escape(t),
    (words, href) => `[${escape(words)}](${href})`,
  );
}
