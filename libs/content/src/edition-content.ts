/**
 * The structured content of one newsletter edition. This is the single shape shared by the draft
 * parser, the database (stored as jsonb), the admin API and the React Email templates.
 */
export interface Highlight {
  headline: string;
  paragraphs: string[];
}

export interface LinkItem {
  /** The item text as written, without the leading em dash, e.g. "Chinese President Xi Jinping visited Russia for Victory Day." */
  text: string;
  /** Source names in order, e.g. ["Reuters", "Global Times"]. Repeats are kept ("IRNA, IRNA"). */
  sources: string[];
}

export interface AttributedItem {
  title: string;
  /** The attribution as written inside the trailing parentheses. */
  attribution: string;
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
