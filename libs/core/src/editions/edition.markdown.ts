import {
  type EditionContent,
  type Highlight,
  inlineText,
  type LinkItem,
  type LinkSource,
  type MastheadEntry,
} from '@app/content';
import { assertLinesFit, assertRepresentable } from './draft.format';
import {
  attributedOf,
  checkDraftLine,
  DraftParseError,
  findIssueMonth,
  headingKind,
  isEmailLike,
  isSpace,
  issueLabelFromSlug,
  lineInline,
  lineRuns,
  parseSubject,
  sectionHeading,
  sourcesOf,
  trimEndWhile,
  type SectionKind,
  type SourceLine,
} from './draft.parser';
import { markdownInline, runsToInline, splitTrailingRuns } from './inline.parser';

/**
 * Markdown form of an edition (CommonMark; renders sensibly anywhere) and its inverse:
 * parseMarkdown(toMarkdown(x)) deep-equals x.
 *
 *   # CRANK Call | April 2025            subject
 *   description paragraph
 *   ## April 2025 Highlights
 *   ### Headline                         then one paragraph per block; [text](https://…) links anywhere
 *   ## Links                             - Text. (Source, [Source](https://…))
 *   ## Recent Analysis                   - Title (Attribution) or [Title](https://…) (Attribution)
 *   ## CRANK Perspectives                - Title (Attribution)
 *   ## CRANK Call                        - Role, Name ([email](mailto:email))
 */

/** Backslash-escapes what Markdown would otherwise interpret; `unescapeMarkdown` undoes it exactly. */
export function escapeMarkdown(text: string, opts: { heading?: boolean } = {}): string {
  let s = text.replace(/[\\`*_[\]<>~]/g, '\\$&').replace(/&(?=#?\w+;)/g, '\\&');
  // Block syntax at the start of a line: "# ", "- ", "+ ", "= ", "1. ", "1) ".
  s = s.replace(/^([#+=-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
  if (opts.heading) s = s.replace(/(^|[^\\])#$/, '$1\\#');
  return s;
}

export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

export function toMarkdown(content: EditionContent): string {
  assertRepresentable(content);
  const esc = escapeMarkdown;
  const out: string[] = [`# ${esc(content.subject, { heading: true })}`, ''];
  if (content.description) out.push(esc(content.description), '');
  out.push(`## ${esc(content.highlightsTitle, { heading: true })}`, '');
  for (const h of content.highlights) {
    out.push(`### ${markdownInline(h.headline, (t) => esc(t, { heading: true }))}`, '');
    for (const p of h.paragraphs) out.push(markdownInline(p, esc), '');
  }
  const source = (s: LinkSource) => (typeof s === 'string' ? esc(s) : `[${esc(s.name)}](${s.url})`);
  const title = (a: { title: string; url?: string }) =>
    a.url !== undefined ? `[${esc(a.title)}](${a.url})` : esc(a.title);
  const list = (kind: Exclude<SectionKind, 'masthead'>, items: string[]) => {
    if (!items.length) return;
    out.push(`## ${sectionHeading(kind, content.publicationName)}`, '');
    for (const item of items) out.push(`- ${item}`);
    out.push('');
  };
  list(
    'links',
    content.links.map((l) => `${markdownInline(l.text, esc)} (${l.sources.map(source).join(', ')})`),
  );
  list(
    'analysis',
    content.analysis.map((a) => `${title(a)} (${esc(a.attribution)})`),
  );
  list(
    'perspectives',
    content.perspectives.map((a) => `${title(a)} (${esc(a.attribution)})`),
  );
  if (content.mastheadTitle || content.masthead.length) {
    out.push(`## ${esc(content.mastheadTitle || content.publicationName, { heading: true })}`, '');
    for (const m of content.masthead) {
      const email = m.email ? ` ([${esc(m.email)}](mailto:${m.email}))` : '';
      out.push(`- ${esc(m.role)}, ${esc(m.name)}${email}`);
    }
    out.push('');
  }
  assertLinesFit(out);
  return `${trimEndWhile(out.join('\n'), (c) => c === '\n')}\n`;
}

interface Block {
  line: SourceLine;
  text: string;
}

/**
 * The text after `marker` and the spaces that follow it, or null when the line is not `marker`, at least one
 * space, then the rest: /^marker\s+(.*)$/ without its backtracking (lines hold no line terminator, see
 * checkDraftLine).
 */
export function afterMarker(text: string, marker: string): string | null {
  if (!text.startsWith(marker) || !isSpace(text[marker.length])) return null;
  return text.slice(marker.length).trimStart();
}

/** The content of a list item "- text" ("*" and "+" too), or null. */
export function listItem(text: string): string | null {
  return afterMarker(text, '-') ?? afterMarker(text, '*') ?? afterMarker(text, '+');
}

/**
 * A masthead item's trailing " ([label](mailto:address))": the address and where the suffix (with the spaces
 * before it) starts, or null. Read from the end, as the leftmost match of
 * /\s*\(\[[^\]]*\]\(mailto:([^()\s]+)\)\)$/ would find it, without that pattern's retry at every space.
 */
export function trailingMailto(text: string): { email: string; index: number } | null {
  if (!text.endsWith('))')) return null;
  const close = text.length - 2;
  const open = text.lastIndexOf('(', close - 1); // the address holds no "(": this opens "(mailto:"
  if (open < 1 || text[open - 1] !== ']' || !text.startsWith('mailto:', open + 1)) return null;
  const email = text.slice(open + 8, close);
  if (email === '' || email.includes(')')) return null;
  // A loop, not [...email].some(): spreading a long line into an array made the cost grow with the allocator.
  for (const c of email) if (isSpace(c)) return null;
  // the label holds no "]": its "([" comes after the last "]" before the one closing it
  const labelFloor = text.lastIndexOf(']', open - 2) + 1;
  const start = text.indexOf('([', labelFloor);
  if (start < 0 || start + 2 > open - 1) return null;
  return { email, index: trimEndWhile(text.slice(0, start), isSpace).length };
}

export function parseMarkdown(md: string): EditionContent {
  const raw = md.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  // Group lines: headings and list items stand alone; other consecutive lines form one paragraph block.
  const blocks: Block[] = [];
  let para: Block | null = null;
  raw.forEach((r, i) => {
    const text = r.trim();
    checkDraftLine(text, i + 1);
    const line = { n: i + 1, text };
    if (!text) {
      para = null;
      return;
    }
    const isItem = listItem(text) !== null;
    if (/^#{1,6}\s/.test(text) || isItem) {
      para = null;
      blocks.push({ line, text });
      return;
    }
    const prev = blocks[blocks.length - 1];
    if (!para && prev && listItem(prev.text) !== null && isSpace(r[0])) {
      prev.text += ` ${text}`; // indented continuation of a list item
      return;
    }
    if (para) {
      para.text += ` ${text}`;
      return;
    }
    para = { line, text };
    blocks.push(para);
  });

  const first = blocks[0];
  const h1 = first ? afterMarker(first.text, '#') : null;
  if (!first || h1 === null)
    throw new DraftParseError(first?.line.n ?? 1, 'a “# Subject” heading first', first?.text);
  const subject = unescapeMarkdown(stripClosingHashes(h1));
  const { publicationName, slug } = parseSubject(subject, first.line.n);

  const content: EditionContent = {
    publicationName,
    slug,
    subject,
    description: '',
    highlightsTitle: '',
    highlights: [],
    links: [],
    analysis: [],
    perspectives: [],
    mastheadTitle: '',
    masthead: [],
  };
  const description: string[] = [];
  let section: 'description' | 'highlights' | SectionKind = 'description';
  let highlight: Highlight | null = null;
  const seen = new Set<string>();

  for (const b of blocks.slice(1)) {
    const h2 = afterMarker(b.text, '##');
    const h3 = afterMarker(b.text, '###');
    const item = listItem(b.text);
    if (h2 !== null) {
      const title = unescapeMarkdown(stripClosingHashes(h2));
      const kind: 'highlights' | SectionKind | null =
        headingKind(title, publicationName) ?? (content.highlightsTitle ? null : 'highlights');
      if (!kind || seen.has(kind)) {
        throw new DraftParseError(
          b.line.n,
          'a section heading: the highlights, Links, Recent Analysis, Perspectives or the publication name, each once',
          b.text,
        );
      }
      seen.add(kind);
      if (kind === 'highlights') {
        const month = findIssueMonth(title);
        if (month && month.slug !== slug) {
          throw new DraftParseError(
            b.line.n,
            `the same month as the subject (${issueLabelFromSlug(slug)})`,
            b.text,
          );
        }
        content.highlightsTitle = title;
      }
      if (kind === 'masthead') content.mastheadTitle = title;
      section = kind;
      continue;
    }
    if (section === 'description') {
      if (h3 !== null || item !== null)
        throw new DraftParseError(b.line.n, 'the “## … Highlights” heading', b.text);
      description.push(unescapeMarkdown(b.text));
    } else if (section === 'highlights') {
      if (h3 !== null) {
        highlight = { headline: lineInline(stripClosingHashes(h3), b.line, true), paragraphs: [] };
        content.highlights.push(highlight);
      } else if (!highlight || item !== null || b.text.startsWith('#')) {
        throw new DraftParseError(b.line.n, 'a “### Headline” before this paragraph', b.text);
      } else {
        highlight.paragraphs.push(lineInline(b.text, { n: b.line.n, text: b.text }, true));
      }
    } else {
      if (item === null) throw new DraftParseError(b.line.n, 'a list item starting with “- ”', b.text);
      const line = { n: b.line.n, text: item };
      if (section === 'links') content.links.push(parseMdLink(line));
      else if (section === 'masthead') content.masthead.push(parseMdMasthead(line));
      else
        content[section].push(
          attributedOf(lineRuns(item, line, true), line, 'an item “- Title (Attribution)”', true),
        );
    }
  }
  if (!content.highlightsTitle) {
    throw new DraftParseError(raw.length, 'a “## … Highlights” section heading');
  }
  const empty = content.highlights.find((h) => h.paragraphs.length === 0);
  if (empty) throw new DraftParseError(raw.length, `a paragraph for “${inlineText(empty.headline)}”`);
  content.description = description.join(' ');
  return content;
}

/**
 * A heading without its optional closing "#"s: "Title ##" -> "Title". The closing run must stand alone
 * (after a space, or be the whole text); "C#" keeps its "#". Scanned from the end: the pattern this replaces,
 * /(?:^|\s+)#+\s*$/, retried from every space of a long run.
 */
export function stripClosingHashes(text: string): string {
  const body = trimEndWhile(text, isSpace);
  const beforeHashes = trimEndWhile(body, (c) => c === '#');
  if (beforeHashes.length === body.length) return text.trim();
  if (beforeHashes !== '' && !isSpace(beforeHashes[beforeHashes.length - 1])) return text.trim();
  return beforeHashes.trim();
}

function parseMdLink(line: SourceLine): LinkItem {
  const g = splitTrailingRuns(lineRuns(line.text, line, true));
  if (!g || g.before.length === 0)
    throw new DraftParseError(line.n, 'a link item “- Text (Source, Source)”', line.text);
  return {
    text: runsToInline(g.before),
    sources: sourcesOf(g.inner, line, 'a link item “- Text (Source, Source)”'),
  };
}

function parseMdMasthead(line: SourceLine): MastheadEntry {
  let rest = line.text;
  let email: string | undefined;
  const m = trailingMailto(rest);
  if (m && isEmailLike(m.email)) {
    email = m.email;
    rest = rest.slice(0, m.index);
  }
  const comma = rest.indexOf(',');
  const role = comma >= 0 ? unescapeMarkdown(rest.slice(0, comma).trim()) : '';
  const name = comma >= 0 ? unescapeMarkdown(rest.slice(comma + 1).trim()) : '';
  if (!role || !name) throw new DraftParseError(line.n, 'a masthead item “- Role, Name”', line.text);
  return email === undefined ? { role, name } : { role, name, email };
}
