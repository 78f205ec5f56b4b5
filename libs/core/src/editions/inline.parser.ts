import { type InlineLink, type InlineRun, linkUrlProblem, normalizeInline, type Inline } from '@app/content';

/**
 * Links inside a line of a draft (issue 14), in the Markdown syntax editors know:
 *
 *   [words](https://...)     a link: the words shown, the address in parentheses (balanced parentheses allowed)
 *   <https://...>            an autolink: the address shown as its own text
 *
 * `[1]` or `[sic]` not followed by "(" stays text, so "(Reuters [1], TASS)" reads as before. Once "[words]("
 * is written, it is a link: an address that is not an absolute http(s) URL is refused (linkUrlProblem), not
 * kept as text. A backslash makes the next character literal: in a text draft before "[", "]", "<" or "\"
 * only (so "\[1](2)" is text, and a lone backslash stays a backslash); in Markdown before any ASCII
 * punctuation, as CommonMark says.
 *
 * One pass, no regular expression over the line: the label scan stops at the next "[" or "]", the autolink
 * scan at the next "<", ">" or space, so each character is looked at a bounded number of times (a line of
 * 5,000 "[" or "<" or "](" costs what a line of letters costs; regex-linear.spec.ts measures it).
 */

/** Throws with what was expected; the caller adds the line number. Null: never throw, read what can be read. */
export type InlineFail = ((expected: string) => never) | null;

/** What a backslash escapes in a text draft: only what could start or end a link, and itself. */
function isDraftEscapable(c: string | undefined): boolean {
  return c === '[' || c === ']' || c === '<' || c === '\\';
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

/**
 * The runs of one line: text and links. `markdown` turns on backslash escapes. With `fail`, a malformed link
 * or a refused address throws; without, it is read as best it can be (for deciding what kind of line it is).
 */
export function scanInline(text: string, markdown: boolean, fail: InlineFail): InlineRun[] {
  const escapable = markdown ? isAsciiPunctuation : isDraftEscapable;
  const runs: InlineRun[] = [];
  let buf = '';
  const push = (link: InlineLink) => {
    if (buf) runs.push(buf);
    buf = '';
    runs.push(link);
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
    if (c === '[') {
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
      push({ text: label, href });
      i = k + 1;
      continue;
    }
    if (c === '<') {
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
        push({ text: inside, href: inside });
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
  if (buf) runs.push(buf);
  return runs;
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
 * a text holding "](" (where a link could start) or in a link's words, "<" only where "<scheme:…>" follows, a
 * backslash only before what it would escape (or at the end, before a link's "["). So "(Reuters [1], TASS)"
 * and "<b>" are written as they read.
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
    else out += c;
  }
  return out;
}

/** Running text in the draft syntax: links as [text](href), text escaped where it would read as a link. */
export function draftInline(value: Inline): string {
  const runs = typeof value === 'string' ? [value] : value;
  return runs
    .map((r, i) => {
      const last = i === runs.length - 1;
      return typeof r === 'string'
        ? escapeDraftText(r, false, last)
        : `[${escapeDraftText(r.text, true, false)}](${r.href})`;
    })
    .join('');
}

/** Running text in Markdown: texts escaped with `escape`, links as [escaped text](href). */
export function markdownInline(value: Inline, escape: (text: string) => string): string {
  if (typeof value === 'string') return escape(value);
  return value.map((r) => (typeof r === 'string' ? escape(r) : `[${escape(r.text)}](${r.href})`)).join('');
}
