import { type InlineRun, normalizeInline } from '@app/content';
import { Parser } from 'htmlparser2';
import { InvalidInputError } from '../common/domain.errors';
import { DraftParseError } from './draft.parser';
import { draftInline, trimRuns } from './inline.parser';

/**
 * HTML (a Word document as mammoth converts it, or what Word and Google Docs put on the clipboard) to the
 * plain-text draft format (docs/draft-format.md), so the one draft parser reads every way in.
 *
 * One pass over htmlparser2's events (no DOM, no regular expression over the input): each block element
 * (p, h1-h6, li, div, blockquote, pre...) is one paragraph and becomes one line of the draft; a line break
 * inside a paragraph (<br>) starts another line of the same paragraph. Hyperlinks become the draft's link
 * syntax (`[words](https://…)`, text that would read as a link is escaped, as formatDraft does); bold and italic
 * (<b>, <strong>, <i>, <em>, and the font-weight / font-style spans Google Docs and Word put on the clipboard)
 * become `**strong**` and `*emphasis*`, which the parser keeps in running text and drops from fields that hold
 * none (a bolded heading is still the heading). Images and footnotes are
 * left out with a warning; a table is refused (an issue has no tables). Whatever else the HTML holds (styles,
 * scripts, Word's list bullets, comments) is not text of the issue and is skipped.
 */

/** Something of the document that an issue cannot carry and was left out. */
export interface DraftImportWarning {
  code: 'images-ignored' | 'footnotes-ignored';
  count: number;
  message: string;
}

/** A document read as draft text, with the way back from a line of that text to the document's paragraph. */
export interface HtmlDraft {
  /** What was read: a Word document or pasted HTML (error messages name its paragraphs accordingly). */
  source: HtmlDraftSource;
  /** The draft text: one line per paragraph (more for a paragraph with line breaks). */
  text: string;
  /** For line n of `text` (1-based), lineParagraph[n - 1] is its paragraph's 1-based number. */
  lineParagraph: number[];
  /** The words of each paragraph as the document shows them (link addresses left out), by number - 1. */
  paragraphText: string[];
  warnings: DraftImportWarning[];
}

/** Where the HTML came from: it only changes how a paragraph is named in an error message. */
export type HtmlDraftSource = 'word' | 'html';

/** Elements whose content is no text of the issue. */
const SKIPPED = new Set([
  'head',
  'style',
  'script',
  'title',
  'template',
  'noscript',
  'svg',
  'math',
  'object',
  'iframe',
  'xml',
  'button',
  'select',
  'textarea',
]);

/** Elements that are a paragraph of their own (an empty one still counts, as an empty Word paragraph). */
const PARAGRAPHS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'pre', 'dt', 'dd']);

/** Elements that end the text before them and start a new paragraph, without being counted when empty. */
const BLOCKS = new Set([
  'div',
  'blockquote',
  'ul',
  'ol',
  'dl',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'aside',
  'nav',
  'figure',
  'figcaption',
  'address',
  'hr',
  'body',
  'html',
]);

const TABLE_PARTS = new Set(['table', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'caption']);

/** Elements that never have a closing tag: they do not take part in the skip depth. */
const VOID = new Set([
  'br',
  'img',
  'meta',
  'hr',
  'input',
  'link',
  'area',
  'base',
  'col',
  'embed',
  'source',
  'wbr',
]);

interface Run {
  text: string;
  href?: string;
  strong: boolean;
  em: boolean;
}

/** Bold and italic where an element stands: inherited, then changed by the element's name and style. */
interface Style {
  strong: boolean;
  em: boolean;
}

/** The font-weight and font-style declarations of a style attribute (split by hand: no regex over input). */
function fontStyle(style: string): { weight?: string; fontStyle?: string } {
  const out: { weight?: string; fontStyle?: string } = {};
  for (const decl of style.split(';')) {
    const colon = decl.indexOf(':');
    if (colon < 0) continue;
    const prop = decl.slice(0, colon).trim().toLowerCase();
    const value = decl
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (prop === 'font-weight') out.weight = value;
    else if (prop === 'font-style') out.fontStyle = value;
  }
  return out;
}

const BOLD_WEIGHTS = new Set(['bold', 'bolder', '600', '700', '800', '900']);

/**
 * The style inside an element. Google Docs wraps a whole copy in `<b style="font-weight:normal">`, so a
 * style attribute wins over the element's name; a weight not bold (normal, 400, lighter) turns bold off.
 */
function styleOf(parent: Style, name: string, attribs: Record<string, string>): Style {
  let { strong, em } = parent;
  if (name === 'b' || name === 'strong') strong = true;
  if (name === 'i' || name === 'em') em = true;
  const style = attribs.style;
  if (style !== undefined && style.includes('font-')) {
    const f = fontStyle(style);
    if (f.weight !== undefined) strong = BOLD_WEIGHTS.has(f.weight);
    if (f.fontStyle !== undefined) em = f.fontStyle === 'italic' || f.fontStyle === 'oblique';
  }
  return { strong, em };
}

/** HTML's white space (not NBSP, which the editor typed on purpose): collapsed to one space in running text. */
function isHtmlSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

function collapseSpaces(text: string): string {
  let out = '';
  let space = false;
  for (const c of text) {
    if (isHtmlSpace(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return space ? `${out} ` : out;
}

/** Google Docs sometimes routes links through https://www.google.com/url?q=<target>: the target is the link. */
function unwrapRedirect(href: string): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return href;
  }
  if (url.hostname !== 'www.google.com' || url.pathname !== '/url') return href;
  const target = url.searchParams.get('q');
  return target && (target.startsWith('https://') || target.startsWith('http://')) ? target : href;
}

/** Characters the draft's `[words](address)` cannot hold in an address, written as a browser would send them. */
const URL_ESCAPES: Record<string, string> = {
  ' ': '%20',
  '"': '%22',
  '<': '%3C',
  '>': '%3E',
  '`': '%60',
};

function draftHref(href: string): string {
  let out = '';
  let depth = 0;
  let balanced = true;
  for (const c of href) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) balanced = false;
    out += URL_ESCAPES[c] ?? (isHtmlSpace(c) ? '%20' : c);
  }
  if (balanced && depth === 0) return out;
  let escaped = '';
  for (const c of out) escaped += c === '(' ? '%28' : c === ')' ? '%29' : c;
  return escaped;
}

/**
 * Runs of one line as draft text, written by draftInline (the one writer of the draft's link and emphasis
 * syntax, which also escapes text that would read as either): adjacent runs of the same link are one link
 * (Google Docs splits them), emphasised only if all its words are; spaces at the edges of a link's words or of
 * emphasised words stay outside them.
 */
function lineText(runs: Run[]): { draft: string; plain: string } {
  const merged: Run[] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    const sameLink = last !== undefined && r.href !== undefined && last.href === r.href;
    const sameText =
      last !== undefined &&
      r.href === undefined &&
      last.href === undefined &&
      last.strong === r.strong &&
      last.em === r.em;
    if (sameLink) {
      if (r.text.trim() !== '') {
        const words = last.text.trim() !== '';
        last.strong = (words ? last.strong : true) && r.strong;
        last.em = (words ? last.em : true) && r.em;
      }
      last.text += r.text;
    } else if (sameText) last.text += r.text;
    else merged.push({ ...r });
  }
  const inline: InlineRun[] = [];
  let plain = '';
  for (const r of merged) {
    plain += r.text;
    const marks = { ...(r.strong ? { strong: true as const } : {}), ...(r.em ? { em: true as const } : {}) };
    const words = r.text.trim();
    if (r.href === undefined || !words) {
      inline.push(r.strong || r.em ? { text: r.text, ...marks } : r.text);
      continue;
    }
    const lead = r.text.length - r.text.trimStart().length;
    const trail = r.text.length - r.text.trimEnd().length;
    if (lead) inline.push(r.text.slice(0, lead));
    inline.push({ text: words, href: draftHref(r.href), ...marks });
    if (trail) inline.push(r.text.slice(r.text.length - trail));
  }
  const normal = normalizeInline(inline);
  return {
    draft: draftInline(trimRuns(typeof normal === 'string' ? [normal] : normal)),
    plain: collapseSpaces(plain).trim(),
  };
}

function attr(attribs: Record<string, string>, name: string): string {
  return attribs[name] ?? '';
}

/** Word's list bullets on the clipboard: `<span style="mso-list:Ignore">·</span>` (the text is a glyph). */
function isWordListBullet(attribs: Record<string, string>): boolean {
  return attr(attribs, 'style').replace(/\s/g, '').toLowerCase().includes('mso-list:ignore');
}

/** Footnote and endnote bodies and references as mammoth writes them (ids footnote-1, footnote-ref-1...). */
function isNoteBody(name: string, attribs: Record<string, string>): boolean {
  const id = attr(attribs, 'id');
  return name === 'li' && (id.startsWith('footnote-') || id.startsWith('endnote-'));
}
function isNoteReference(href: string): boolean {
  return href.startsWith('#footnote-') || href.startsWith('#endnote-');
}

/** "paragraph 5 of the Word document" (capitalize it to start a sentence). */
function paragraphName(source: HtmlDraftSource, n: number): string {
  return `paragraph ${n} of the ${source === 'word' ? 'Word document' : 'pasted text'}`;
}

/** What an editor reads of a quoted paragraph: at most 80 characters, as DraftParseError quotes a line. */
function quote(text: string): string {
  return `“${text.length > 80 ? `${text.slice(0, 77)}...` : text}”`;
}

/**
 * Reads HTML as draft text. Throws InvalidInputError for a table (naming the paragraph before it); images and
 * footnotes are left out and reported in `warnings`.
 */
export function htmlToDraft(input: string, source: HtmlDraftSource = 'html'): HtmlDraft {
  const lines: string[] = [];
  const lineParagraph: number[] = [];
  const paragraphText: string[] = [];
  let paragraphs = 0;
  let runs: Run[] = [];
  let lineRuns: Run[][] = [];
  let started = false; // a paragraph element is open and has not been written yet
  let skipDepth = 0; // inside skipped elements (head, style, Word's list bullets, footnote bodies)
  // For each open <a>, the link its text belongs to: its own href, else the enclosing link's (so the current
  // link is the top of the stack, whatever the nesting: no scan per text node).
  const links: (string | undefined)[] = [];
  // The style inside each open element (pushed and popped with every non-void element not skipped).
  const styles: Style[] = [];
  let images = 0;
  let footnotes = 0;
  let table: string | undefined;

  const href = (): string | undefined => links[links.length - 1];
  const style = (): Style => styles[styles.length - 1] ?? { strong: false, em: false };

  const hasText = (): boolean => runs.some((r) => r.text.trim() !== '') || lineRuns.length > 0;

  /** Ends the current paragraph: writes its lines (an empty paragraph element is an empty line). */
  const flush = (): void => {
    if (!started && !hasText()) {
      runs = [];
      lineRuns = [];
      return;
    }
    paragraphs++;
    const all = [...lineRuns, runs];
    const plainWords: string[] = [];
    for (const r of all) {
      const { draft, plain } = lineText(r);
      // Lines of a paragraph after a line break: an empty one (a trailing <br>) adds nothing.
      if (r !== all[0] && draft === '') continue;
      lines.push(draft);
      lineParagraph.push(paragraphs);
      if (plain) plainWords.push(plain);
    }
    paragraphText.push(plainWords.join(' '));
    runs = [];
    lineRuns = [];
    started = false;
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (skipDepth > 0) {
          if (!VOID.has(name)) {
            skipDepth++;
          }
          return;
        }
        if (SKIPPED.has(name) || (name === 'span' && isWordListBullet(attribs))) {
          skipDepth = 1;
          return;
        }
        if (isNoteBody(name, attribs)) {
          footnotes++;
          skipDepth = 1;
          return;
        }
        if (name === 'a' && isNoteReference(attr(attribs, 'href').trim())) {
          skipDepth = 1;
          return;
        }
        if (!VOID.has(name)) styles.push(styleOf(style(), name, attribs));
        if (TABLE_PARTS.has(name)) {
          if (table === undefined) {
            flush();
            table =
              paragraphs === 0
                ? 'at the start of the document'
                : `after ${paragraphName(source, paragraphs)} (${quote(paragraphText[paragraphs - 1] ?? '')})`;
          }
          return;
        }
        if (name === 'img') {
          images++;
          return;
        }
        if (name === 'br') {
          if (!started && !hasText()) {
            // A line break between paragraphs (Google Docs' empty line): an empty paragraph.
            started = true;
            flush();
            return;
          }
          lineRuns.push(runs);
          runs = [];
          return;
        }
        if (name === 'a') {
          const h = attr(attribs, 'href').trim();
          // In-document anchors (#bookmark) lead nowhere in an email; mailto: addresses are written as text.
          const external = h !== '' && !h.startsWith('#') && !h.toLowerCase().startsWith('mailto:');
          links.push(external ? unwrapRedirect(h) : href());
          return;
        }
        if (PARAGRAPHS.has(name)) {
          flush();
          started = true;
          return;
        }
        if (BLOCKS.has(name)) flush();
      },
      onclosetag(name, _isImplied) {
        if (skipDepth > 0) {
          if (VOID.has(name)) return;
          skipDepth--;
          return;
        }
        if (VOID.has(name)) return;
        styles.pop();
        if (name === 'a') {
          links.pop();
          return;
        }
        if (PARAGRAPHS.has(name) || BLOCKS.has(name)) flush();
      },
      ontext(data) {
        if (skipDepth > 0 || table !== undefined) return;
        let text = collapseSpaces(data);
        // One space between words, whichever text nodes the spaces came from.
        const before = runs[runs.length - 1]?.text;
        if (text.startsWith(' ') && (before === undefined || before.endsWith(' '))) text = text.slice(1);
        if (!text) return;
        const h = href();
        const { strong, em } = style();
        runs.push(h === undefined ? { text, strong, em } : { text, href: h, strong, em });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(input);
  parser.end();
  flush();

  if (table !== undefined) {
    throw new InvalidInputError(
      `The ${source === 'word' ? 'Word document' : 'pasted text'} has a table ${table}: an issue cannot hold tables. ` +
        'Write its contents as lines of text (or delete it) and try again.',
      { table: true },
    );
  }
  // Trailing empty paragraphs add nothing to the draft.
  while (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
    lineParagraph.pop();
  }
  const warnings: DraftImportWarning[] = [];
  if (images > 0) {
    warnings.push({
      code: 'images-ignored',
      count: images,
      message: `${images === 1 ? 'An image was' : `${images} images were`} left out: an issue carries no images.`,
    });
  }
  if (footnotes > 0) {
    warnings.push({
      code: 'footnotes-ignored',
      count: footnotes,
      message: `${footnotes === 1 ? 'A footnote was' : `${footnotes} footnotes were`} left out: an issue has no footnotes (write the source in the text instead).`,
    });
  }
  return { source, text: lines.join('\n'), lineParagraph, paragraphText, warnings };
}

/**
 * A document that cannot be read as a draft (400): the DraftParseError of its draft text, told in the
 * document's paragraphs. `details` keep the draft text's `line` (for a listing of that text) and add
 * `paragraph`.
 */
export class DocumentParseError extends InvalidInputError {
  readonly paragraph: number;
  readonly line: number;

  constructor(err: DraftParseError, doc: HtmlDraft) {
    const paragraph = doc.lineParagraph[err.line - 1] ?? Math.max(1, doc.paragraphText.length);
    const words = doc.paragraphText[paragraph - 1];
    const expected = paragraphsForLines(err.expected, doc);
    // The paragraph as the document shows it (no link addresses), when the parser quoted its line.
    const found = err.found !== undefined ? words || err.found : undefined;
    const name = paragraphName(doc.source, paragraph);
    super(
      `${name[0]!.toUpperCase()}${name.slice(1)}: expected ${expected}${found !== undefined ? `, found ${quote(found)}` : ''}`,
      {
        line: err.line,
        paragraph,
        expected,
        ...(found !== undefined ? { found } : {}),
      },
    );
    this.paragraph = paragraph;
    this.line = err.line;
  }
}

/** "… the headline on line 7" -> "… the headline in paragraph 5" (the parser names other lines too). */
function paragraphsForLines(expected: string, doc: HtmlDraft): string {
  return expected.replace(/\bon line (\d+)|\bline (\d+)/g, (whole, on?: string, bare?: string) => {
    const n = Number(on ?? bare);
    const p = doc.lineParagraph[n - 1];
    if (p === undefined) return whole;
    return on !== undefined ? `in paragraph ${p}` : `paragraph ${p}`;
  });
}
