import type { EditionContent } from './edition-content';

/**
 * Headings the draft does not write out but every rendering of an edition shows (HTML email, plain text,
 * archive page): one definition so that the parts of one message cannot disagree.
 */

/** "CRANK Call" -> "CRANK Perspectives": the perspectives section is named after the publication's first word. */
export function perspectivesTitle(publicationName: string): string {
  return `${publicationName.split(/\s+/)[0] ?? ''} Perspectives`.trim();
}

/** The masthead block's heading as written in the draft, or the publication's name when the draft has none. */
export function mastheadHeading(content: Pick<EditionContent, 'mastheadTitle' | 'publicationName'>): string {
  return content.mastheadTitle || content.publicationName;
}
