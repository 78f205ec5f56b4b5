import {
  type AttributedItem,
  type EditionContent,
  type Inline,
  inlineRuns,
  type InlineRun,
  inlineText,
  isInlineLink,
  linkUrlProblem,
  type LinkItem,
  normalizeInline,
  normalizeSource,
} from '@app/content';
import { UnprocessableError } from '../common/domain.errors';
import {
  classifyHighlightLine,
  DraftParseError,
  EDITION_SUBJECT_MAX_LENGTH,
  findIssueMonth,
  parseSubject,
  headingKind,
  isEmailLike,
  isHighlightsHeading,
  lineInline,
  MAX_DRAFT_LINE_LENGTH,
  parseAttributedLine,
  parseLinkLine,
  sectionHeading,
  splitTrailingGroup,
  type HighlightLineKind,
} from './draft.parser';
import { draftInline, plainField, plainFieldDraft } from './inline.parser';

/** A link item as its draft line: "—Text (Source, [Source](https://…))". */
export function draftLinkLine(l: LinkItem): string {
  const runs: InlineRun[] = ['—', ...inlineRuns(l.text), ' ('];
  l.sources.forEach((src, i) => {
    if (i > 0) runs.push(', ');
    runs.push(typeof src === 'string' ? src : { text: src.name, href: src.url });
  });
  runs.push(')');
  return draftInline(normalizeInline(runs));
}

/** An analysis or perspectives item as its draft line: "Title (Attribution)" or "[Title](https://…) (Attribution)". */
export function draftAttributedLine(a: AttributedItem): string {
  const title: InlineRun = a.url !== undefined ? { text: a.title, href: a.url } : a.title;
  return draftInline(normalizeInline([title, ` (${a.attribution})`]));
}

/**
 * Reads `text` back with `read`; false if it throws or reads as something else than `expected` (compared as
 * JSON, the form content is stored in; both sides build their objects with the same key order).
 */
function readsBack<T>(text: string, read: (text: string) => T, expected: T): boolean {
  try {
    return JSON.stringify(read(text)) === JSON.stringify(expected);
  } catch (err) {
    if (err instanceof DraftParseError) return false;
    throw err;
  }
}

/**
 * Throws when a line written for `content` would be longer than a draft may have: the structured API takes
 * longer fields than MAX_DRAFT_LINE_LENGTH, and an export that cannot be imported again would be a trap.
 */
export function assertLinesFit(lines: string[]): void {
  const i = lines.findIndex((l) => l.length > MAX_DRAFT_LINE_LENGTH);
  if (i >= 0) {
    throw new UnprocessableError(
      `Edition content cannot be written as a draft: line ${i + 1} would have ${lines[i]!.length.toLocaleString('en')} ` +
        `characters (a draft line has at most ${MAX_DRAFT_LINE_LENGTH.toLocaleString('en')})`,
    );
  }
}

/**
 * Checks that `content` can be written in the draft format and read back unchanged; throws (422) naming the
 * first field that cannot (a line break inside a field, an empty field, a highlight without paragraphs...).
 */
export function assertRepresentable(content: EditionContent): void {
  const fail = (field: string, why: string): never => {
    throw new UnprocessableError(`Edition content cannot be written as a draft: ${field} ${why}`);
  };
  const line = (field: string, value: string, allowEmpty = false) => {
    if (/[\r\n]/.test(value)) fail(field, 'contains a line break');
    if (value !== value.trim()) fail(field, 'has leading or trailing spaces');
    if (!allowEmpty && !value) fail(field, 'is empty');
  };
  line('subject', content.subject);
  if (content.subject.length > EDITION_SUBJECT_MAX_LENGTH) {
    fail('subject', `is longer than ${EDITION_SUBJECT_MAX_LENGTH} characters`);
  }
  let subject: { publicationName: string; slug: string } | null = null;
  try {
    subject = parseSubject(content.subject, 1);
  } catch {
    fail('subject', 'has no issue month such as “April 2025”');
  }
  if (subject?.publicationName !== content.publicationName)
    fail('publicationName', 'does not match the subject');
  if (subject?.slug !== content.slug) fail('slug', 'does not match the month in the subject');
  line('description', content.description, true);
  if (isHighlightsHeading(content.description)) fail('description', 'looks like the highlights heading');
  line('highlightsTitle', content.highlightsTitle);
  if (!isHighlightsHeading(content.highlightsTitle)) fail('highlightsTitle', 'must end with “Highlights”');
  const titleMonth = findIssueMonth(content.highlightsTitle);
  if (titleMonth && titleMonth.slug !== content.slug) fail('highlightsTitle', 'names another month');
  const url = (field: string, href: string) => {
    const problem = linkUrlProblem(href);
    if (problem) fail(field, `is not an allowed link: expected ${problem}`);
  };
  const linkText = (field: string, text: string) => line(field, text);
  /** Running text: each text and link on one line, links allowed, and the draft text reads back the same. */
  const inline = (field: string, value: Inline) => {
    line(field, inlineText(value));
    if (typeof value !== 'string') {
      value.forEach((r, k) => {
        if (typeof r === 'string') {
          if (/[\r\n]/.test(r)) fail(field, 'contains a line break');
        } else if (isInlineLink(r)) {
          linkText(`${field}[${k}].text`, r.text);
          url(`${field}[${k}].href`, r.href);
        } else {
          linkText(`${field}[${k}].text`, r.text);
        }
      });
    }
    const written = draftInline(value);
    if (!readsBack(written, (t) => lineInline(t, { n: 1, text: t }), normalizeInline(value)))
      fail(field, 'holds text that would read as a link (“[…](…)” or “<…:…>”) or emphasis');
  };
  content.highlights.forEach((h, i) => {
    inline(`highlights[${i}].headline`, h.headline);
    if (h.paragraphs.length === 0) fail(`highlights[${i}]`, 'has no paragraphs');
    h.paragraphs.forEach((p, j) => inline(`highlights[${i}].paragraphs[${j}]`, p));
  });
  content.links.forEach((l, i) => {
    inline(`links[${i}].text`, l.text);
    if (l.sources.length === 0) fail(`links[${i}].sources`, 'is empty');
    l.sources.forEach((s, j) => {
      if (typeof s === 'string') {
        line(`links[${i}].sources[${j}]`, s);
        if (s.includes(',')) fail(`links[${i}].sources[${j}]`, 'contains a comma');
      } else {
        linkText(`links[${i}].sources[${j}].name`, s.name);
        url(`links[${i}].sources[${j}].url`, s.url);
      }
    });
    const plain = l.sources.filter((s): s is string => typeof s === 'string');
    if (splitTrailingGroup(`(${plain.join(', ')})`) === null)
      fail(`links[${i}].sources`, 'has unbalanced parentheses');
    const item = { text: normalizeInline(l.text), sources: l.sources.map(normalizeSource) };
    const written = draftLinkLine(l);
    if (!readsBack(written, (t) => parseLinkLine({ n: 1, text: t }), item))
      fail(`links[${i}]`, 'would not read back the same (a source or text that reads as a link?)');
  });
  for (const [name, items] of [
    ['analysis', content.analysis],
    ['perspectives', content.perspectives],
  ] as const) {
    items.forEach((a, i) => {
      if (a.url !== undefined) {
        linkText(`${name}[${i}].title`, a.title);
        url(`${name}[${i}].url`, a.url);
      } else line(`${name}[${i}].title`, a.title);
      line(`${name}[${i}].attribution`, a.attribution);
      const g = splitTrailingGroup(`${a.url !== undefined ? 'T' : a.title} (${a.attribution})`);
      if (!g || g.inner !== a.attribution) fail(`${name}[${i}].attribution`, 'has unbalanced parentheses');
      const item: AttributedItem = a.url
        ? { title: a.title, attribution: a.attribution, url: a.url }
        : { title: a.title, attribution: a.attribution };
      if (!readsBack(draftAttributedLine(a), (t) => parseAttributedLine({ n: 1, text: t }, name), item))
        fail(`${name}[${i}]`, 'would not read back the same (a title or attribution that reads as a link?)');
    });
  }
  line('mastheadTitle', content.mastheadTitle, content.masthead.length === 0);
  if (content.mastheadTitle && headingKind(content.mastheadTitle, content.publicationName) !== 'masthead') {
    fail('mastheadTitle', 'must be the publication name');
  }
  content.masthead.forEach((m, i) => {
    line(`masthead[${i}].role`, m.role);
    line(`masthead[${i}].name`, m.name);
    if (m.role.includes(',')) fail(`masthead[${i}].role`, 'contains a comma');
    if (m.email !== undefined && !isEmailLike(m.email))
      fail(`masthead[${i}].email`, 'is not an email address');
    const g = splitTrailingGroup(m.name);
    if (m.email === undefined && g?.inner.includes('@'))
      fail(`masthead[${i}].name`, 'ends with an email in parentheses');
  });
}

/**
 * Lines of the highlights section. A line that the parser would classify differently (a headline ending with
 * a full stop, a paragraph without one, text equal to a section heading...) gets an explicit mark: "# " for
 * a headline, "¶ " for a paragraph. Worked from the end because a question's meaning depends on the next line.
 */
function highlightLines(content: EditionContent): string[] {
  const items: { kind: HighlightLineKind; text: string }[] = [];
  for (const h of content.highlights) {
    items.push({ kind: 'headline', text: draftInline(h.headline) });
    for (const p of h.paragraphs) items.push({ kind: 'paragraph', text: draftInline(p) });
  }
  const out: string[] = new Array<string>(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const auto = classifyHighlightLine(item.text, out[i + 1]);
    const needsMark =
      auto.kind !== item.kind ||
      auto.text !== item.text ||
      headingKind(plainField(item.text), content.publicationName) !== null;
    out[i] = needsMark ? `${item.kind === 'headline' ? '# ' : '¶ '}${item.text}` : item.text;
  }
  return out;
}

/** Writes edition content back in the plain-text draft format: parseDraft(formatDraft(x)) deep-equals x. */
export function formatDraft(content: EditionContent): string {
  assertRepresentable(content);
  // Fields without links are written as plainField reads them: only "*" needs a backslash.
  const plain = plainFieldDraft;
  const lines: string[] = [plain(content.subject)];
  if (content.description) lines.push(plain(content.description));
  lines.push(plain(content.highlightsTitle), '');
  lines.push(...highlightLines(content));
  if (content.links.length) {
    lines.push(sectionHeading('links', content.publicationName));
    for (const l of content.links) lines.push(draftLinkLine(l));
  }
  if (content.analysis.length) {
    lines.push(sectionHeading('analysis', content.publicationName));
    for (const a of content.analysis) lines.push(draftAttributedLine(a));
  }
  if (content.perspectives.length) {
    lines.push(sectionHeading('perspectives', content.publicationName));
    for (const a of content.perspectives) lines.push(draftAttributedLine(a));
  }
  if (content.mastheadTitle || content.masthead.length) {
    lines.push(plain(content.mastheadTitle || content.publicationName));
    for (const m of content.masthead) {
      lines.push(plain(`${m.role}, ${m.name}${m.email ? ` (${m.email})` : ''}`));
    }
  }
  assertLinesFit(lines);
  return `${lines.join('\n')}\n`;
}
