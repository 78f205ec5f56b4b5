import type { EditionContent } from '@app/content';
import { UnprocessableError } from '../common/domain.errors';
import {
  classifyHighlightLine,
  EDITION_SUBJECT_MAX_LENGTH,
  findIssueMonth,
  parseSubject,
  headingKind,
  isEmailLike,
  isHighlightsHeading,
  MAX_DRAFT_LINE_LENGTH,
  sectionHeading,
  splitTrailingGroup,
  type HighlightLineKind,
} from './draft.parser';

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
  content.highlights.forEach((h, i) => {
    line(`highlights[${i}].headline`, h.headline);
    if (h.paragraphs.length === 0) fail(`highlights[${i}]`, 'has no paragraphs');
    h.paragraphs.forEach((p, j) => line(`highlights[${i}].paragraphs[${j}]`, p));
  });
  content.links.forEach((l, i) => {
    line(`links[${i}].text`, l.text);
    if (l.sources.length === 0) fail(`links[${i}].sources`, 'is empty');
    l.sources.forEach((s, j) => {
      line(`links[${i}].sources[${j}]`, s);
      if (s.includes(',')) fail(`links[${i}].sources[${j}]`, 'contains a comma');
    });
    if (splitTrailingGroup(`(${l.sources.join(', ')})`) === null)
      fail(`links[${i}].sources`, 'has unbalanced parentheses');
  });
  for (const [name, items] of [
    ['analysis', content.analysis],
    ['perspectives', content.perspectives],
  ] as const) {
    items.forEach((a, i) => {
      line(`${name}[${i}].title`, a.title);
      line(`${name}[${i}].attribution`, a.attribution);
      const g = splitTrailingGroup(`${a.title} (${a.attribution})`);
      if (!g || g.inner !== a.attribution) fail(`${name}[${i}].attribution`, 'has unbalanced parentheses');
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
    items.push({ kind: 'headline', text: h.headline });
    for (const p of h.paragraphs) items.push({ kind: 'paragraph', text: p });
  }
  const out: string[] = new Array<string>(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const auto = classifyHighlightLine(item.text, out[i + 1]);
    const needsMark =
      auto.kind !== item.kind ||
      auto.text !== item.text ||
      headingKind(item.text, content.publicationName) !== null;
    out[i] = needsMark ? `${item.kind === 'headline' ? '# ' : '¶ '}${item.text}` : item.text;
  }
  return out;
}

/** Writes edition content back in the plain-text draft format: parseDraft(formatDraft(x)) deep-equals x. */
export function formatDraft(content: EditionContent): string {
  assertRepresentable(content);
  const lines: string[] = [content.subject];
  if (content.description) lines.push(content.description);
  lines.push(content.highlightsTitle, '');
  lines.push(...highlightLines(content));
  if (content.links.length) {
    lines.push(sectionHeading('links', content.publicationName));
    for (const l of content.links) lines.push(`—${l.text} (${l.sources.join(', ')})`);
  }
  if (content.analysis.length) {
    lines.push(sectionHeading('analysis', content.publicationName));
    for (const a of content.analysis) lines.push(`${a.title} (${a.attribution})`);
  }
  if (content.perspectives.length) {
    lines.push(sectionHeading('perspectives', content.publicationName));
    for (const a of content.perspectives) lines.push(`${a.title} (${a.attribution})`);
  }
  if (content.mastheadTitle || content.masthead.length) {
    lines.push(content.mastheadTitle || content.publicationName);
    for (const m of content.masthead) lines.push(`${m.role}, ${m.name}${m.email ? ` (${m.email})` : ''}`);
  }
  assertLinesFit(lines);
  return `${lines.join('\n')}\n`;
}
