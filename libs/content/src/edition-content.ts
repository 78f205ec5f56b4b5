/**
 * The structured content of one newsletter edition. This is the single shape shared by the draft
 * parser, the database (stored as jsonb), the admin API and the React Email templates.
 *
 * Links (issue 14) were added without changing what an edition without links looks like: running text is
 * still a plain string, a source is still its name, and an analysis item without `url` is as before, so every
 * edition stored before links loads and renders as it did. See inline.ts for the helpers that read them.
 */

/**
 * Emphasis the editor gave some words (bold and italic in Word, `**strong**` and `*em*` in a draft). Absent
 * means off; `false` is never stored (normalizeInline drops it).
 */
export interface InlineMarks {
  strong?: true;
  em?: true;
}

/** A link inside running text: the words shown and where they lead (an http: or https: URL, see link-url.ts). */
export interface InlineLink extends InlineMarks {
  text: string;
  href: string;
}

/** Emphasised words that are not a link: at least one mark, no spaces at either end (normalizeInline). */
export interface InlineEmphasis extends InlineMarks {
  text: string;
  href?: undefined;
}

/** One piece of running text: plain text, a link, or emphasised text. Never HTML: renderers escape all of them. */
export type InlineRun = string | InlineLink | InlineEmphasis;

/**
 * Running text (a headline, a paragraph, a link item's text). A plain string when it holds no link and no
 * emphasis (every edition written before links, and most text since); otherwise its runs in order.
 * normalizeInline gives the one canonical form: a string when every run is plain text, else runs with no
 * empty text, no two plain texts in a row, and no two emphasised texts with the same marks in a row.
 */
export type Inline = string | InlineRun[];

export interface Highlight {
  headline: Inline;
  paragraphs: Inline[];
}

/** A source that links to the report it names. */
export interface LinkedSource {
  /** The source's name as shown, e.g. "Reuters". */
  name: string;
  /** The report at that source (http: or https:). */
  url: string;
}

/** A source of a link item: its name, or its name with a URL. */
export type LinkSource = string | LinkedSource;

export interface LinkItem {
  /** The item text as written, without the leading em dash, e.g. "Chinese President Xi Jinping visited Russia for Victory Day." */
  text: Inline;
  /** Sources in order, e.g. ["Reuters", {name: "Global Times", url: "https://..."}]. Repeats are kept ("IRNA, IRNA"). */
  sources: LinkSource[];
}

export interface AttributedItem {
  title: string;
  /** The attribution as written inside the trailing parentheses. */
  attribution: string;
  /** Where the title links to (http: or https:); absent when the item has no link. */
  url?: string;
}

export interface MastheadEntry {
  role: string;
  name: string;
  email?: string;
}

export interface EditionContent {
  /** Publication name, e.g. "CRANK Call". */
  publicationName: string;
  /** Issue month slug, e.g. "2025-04". */
  slug: string;
  /** Subject line, e.g. "CRANK Call | April 2025". */
  subject: string;
  /** The standing description paragraph. */
  description: string;
  /** Heading of the highlights section as written, e.g. "April 2025 Highlights". */
  highlightsTitle: string;
  highlights: Highlight[];
  links: LinkItem[];
  analysis: AttributedItem[];
  perspectives: AttributedItem[];
  /** Title of the masthead block as written, e.g. "CRANK Call". */
  mastheadTitle: string;
  masthead: MastheadEntry[];
}
