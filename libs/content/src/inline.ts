import type {
  AttributedItem,
  EditionContent,
  Highlight,
  Inline,
  InlineEmphasis,
  InlineLink,
  InlineMarks,
  InlineRun,
  LinkItem,
  LinkSource,
} from './edition-content';

/** The runs of running text: a plain string is one text run (none when empty). */
export function inlineRuns(value: Inline): InlineRun[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return value;
}

/** True for a run that is a link. */
export function isInlineLink(run: InlineRun): run is InlineLink {
  return typeof run !== 'string' && run.href !== undefined;
}

/** True for a run that is emphasised words, not a link. */
export function isInlineEmphasis(run: InlineRun): run is InlineEmphasis {
  return typeof run !== 'string' && run.href === undefined;
}

/** The marks of a run (none for plain text). */
export function runMarks(run: InlineRun): InlineMarks {
  if (typeof run === 'string') return {};
  return { ...(run.strong ? { strong: true } : {}), ...(run.em ? { em: true } : {}) };
}

/** What a reader reads: the text of every run, links included, without their addresses. */
export function inlineText(value: Inline): string {
  if (typeof value === 'string') return value;
  return value.map((r) => (typeof r === 'string' ? r : r.text)).join('');
}

/** The links of running text, in order. */
export function inlineLinks(value: Inline): InlineLink[] {
  return typeof value === 'string' ? [] : value.filter(isInlineLink);
}

/** Runs without emphasis: emphasised words become plain text, links keep only their words and address. */
export function withoutEmphasis(runs: InlineRun[]): InlineRun[] {
  return runs.map((r) =>
    typeof r === 'string' ? r : isInlineLink(r) ? { text: r.text, href: r.href } : r.text,
  );
}

function isEdgeSpace(c: string | undefined): boolean {
  return c !== undefined && c.trim() === '';
}

/**
 * The canonical form of running text: a plain string when it holds no link and no emphasis; otherwise runs
 * with adjacent plain texts joined, adjacent emphasised texts of the same marks joined, empty texts dropped,
 * and the spaces at either end of emphasised text moved out of it (a space looks the same bold or not, and
 * "**word**" is how a draft writes it). Parsers produce it, the service stores it, so equal text is equal JSON.
 */
export function normalizeInline(value: Inline): Inline {
  if (typeof value === 'string') return value;
  const out: InlineRun[] = [];
  const pushText = (text: string) => {
    if (text === '') return;
    const last = out[out.length - 1];
    if (typeof last === 'string') out[out.length - 1] = last + text;
    else out.push(text);
  };
  for (const run of value) {
    if (typeof run === 'string') {
      pushText(run);
      continue;
    }
    const marks = runMarks(run);
    if (isInlineLink(run)) {
      out.push({ text: run.text, href: run.href, ...marks });
      continue;
    }
    if (!marks.strong && !marks.em) {
      pushText(run.text);
      continue;
    }
    let start = 0;
    let end = run.text.length;
    while (start < end && isEdgeSpace(run.text[start])) start++;
    while (end > start && isEdgeSpace(run.text[end - 1])) end--;
    pushText(run.text.slice(0, start));
    if (end > start) {
      const text = run.text.slice(start, end);
      const last = out[out.length - 1];
      if (
        last !== undefined &&
        isInlineEmphasis(last) &&
        !!last.strong === !!marks.strong &&
        !!last.em === !!marks.em
      ) {
        out[out.length - 1] = { ...last, text: last.text + text };
      } else {
        out.push({ text, ...marks });
      }
    }
    pushText(run.text.slice(end));
  }
  if (out.every((r) => typeof r === 'string')) return inlineText(out);
  return out;
}

/** A source's name as shown. */
export function sourceName(source: LinkSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** A source's URL, or undefined when it has none. */
export function sourceUrl(source: LinkSource): string | undefined {
  return typeof source === 'string' ? undefined : source.url;
}

/** A source in canonical form: its name alone when it has no URL. */
export function normalizeSource(source: LinkSource): LinkSource {
  return typeof source === 'string' || !source.url
    ? sourceName(source)
    : { name: source.name, url: source.url };
}

/** Where in an edition a link stands, e.g. "links[2].sources[0]" (the API's field names). */
export interface ContentLink {
  field: string;
  text: string;
  href: string;
}

/** Every link of an edition's content, in reading order (not the masthead's mailto: addresses). */
export function contentLinks(content: EditionContent): ContentLink[] {
  const out: ContentLink[] = [];
  const inline = (field: string, value: Inline) => {
    if (typeof value === 'string') return;
    value.forEach((r, k) => {
      if (isInlineLink(r)) out.push({ field: `${field}[${k}]`, text: r.text, href: r.href });
    });
  };
  content.highlights.forEach((h, i) => {
    inline(`highlights[${i}].headline`, h.headline);
    h.paragraphs.forEach((p, j) => inline(`highlights[${i}].paragraphs[${j}]`, p));
  });
  content.links.forEach((l, i) => {
    inline(`links[${i}].text`, l.text);
    l.sources.forEach((s, j) => {
      if (typeof s !== 'string') out.push({ field: `links[${i}].sources[${j}]`, text: s.name, href: s.url });
    });
  });
  for (const [name, items] of [
    ['analysis', content.analysis],
    ['perspectives', content.perspectives],
  ] as const) {
    items.forEach((a, i) => {
      if (a.url !== undefined) out.push({ field: `${name}[${i}]`, text: a.title, href: a.url });
    });
  }
  return out;
}

function normalizeAttributed(a: AttributedItem): AttributedItem {
  const { url, ...rest } = a;
  return url ? { ...rest, url } : rest;
}

/**
 * The content with all running text, sources and attributed items in canonical form (see normalizeInline):
 * what the service stores, whichever way the content came in.
 */
export function normalizeContent(content: EditionContent): EditionContent {
  const highlight = (h: Highlight): Highlight => ({
    headline: normalizeInline(h.headline),
    paragraphs: h.paragraphs.map(normalizeInline),
  });
  const link = (l: LinkItem): LinkItem => ({
    text: normalizeInline(l.text),
    sources: l.sources.map(normalizeSource),
  });
  return {
    ...content,
    highlights: content.highlights.map(highlight),
    links: content.links.map(link),
    analysis: content.analysis.map(normalizeAttributed),
    perspectives: content.perspectives.map(normalizeAttributed),
  };
}
