/**
 * The structured content of one newsletter edition. This is the single shape shared by the draft
 * parser, the database (stored as jsonb), the admin API and the React Email templates.
 *
 * Links (issue 14) were added without changing what an edition without links looks like: running text is
 * still a plain string, a source is still its name, and an analysis item without `url` is as before, so every
 * edition stored before links loads and renders as it did. See inline.ts for the helpers that read them.
 */

/** A link inside running text: the words shown and where they lead (an http: or https: URL, see link-url.ts). */
export interface InlineLink {
  text: string;
  href: string;
}

/** One piece of running text: plain text, or a link. Never HTML: renderers escape both. */
export type InlineRun = string | InlineLink;

/**
 * Running text (a headline, a paragraph, a link item's text). A plain string when it holds no link (every
 * edition written before links, and most text since); otherwise its runs in order. normalizeInline gives the
 * one canonical form: a string when there is no link, else runs with no empty text and no two texts in a row.
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
