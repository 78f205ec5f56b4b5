import { type EditionContent, type Inline, isInlineLink, type LinkSource } from '@app/content';

/**
 * Click tracking at render time (issue 15): every distinct http(s) address of an edition's text gets an
 * index (reading order, first occurrence), and the email variant is rendered with a placeholder in place of
 * each address. The sender splices one signed redirect URL per index and recipient into the MIME template
 * (MimeRenderValues.links). The archive page and test sends render the content as written.
 */
export const LINK_PLACEHOLDER_PREFIX = 'LINK_';

/** `%%LINK_3%%`: letters, digits and "_" between "%%", so it survives HTML escaping and quoted-printable. */
export function linkPlaceholder(index: number): string {
  return `%%${LINK_PLACEHOLDER_PREFIX}${index}%%`;
}

const TRACKABLE = /^https?:\/\//i;

/**
 * The edition's content with each http(s) address replaced by its placeholder, and the addresses by index.
 * The same content always gives the same list, so the API (redirect) and the worker (render) agree on the
 * indexes without storing them: an edition cannot change once it has a campaign.
 */
export function withTrackedLinks(content: EditionContent): { content: EditionContent; links: string[] } {
  const links: string[] = [];
  const byUrl = new Map<string, number>();
  const track = (url: string): string => {
    if (!TRACKABLE.test(url)) return url;
    let i = byUrl.get(url);
    if (i === undefined) {
      i = links.push(url) - 1;
      byUrl.set(url, i);
    }
    return linkPlaceholder(i);
  };
  const inline = (value: Inline): Inline =>
    typeof value === 'string'
      ? value
      : value.map((r) => (isInlineLink(r) ? { ...r, href: track(r.href) } : r));
  const source = (s: LinkSource): LinkSource =>
    typeof s === 'string' ? s : { name: s.name, url: track(s.url) };
  const tracked: EditionContent = {
    ...content,
    highlights: content.highlights.map((h) => ({
      headline: inline(h.headline),
      paragraphs: h.paragraphs.map(inline),
    })),
    links: content.links.map((l) => ({ text: inline(l.text), sources: l.sources.map(source) })),
    analysis: content.analysis.map((a) => (a.url === undefined ? a : { ...a, url: track(a.url) })),
    perspectives: content.perspectives.map((a) => (a.url === undefined ? a : { ...a, url: track(a.url) })),
  };
  return { content: tracked, links };
}

/** The addresses a campaign's link indexes stand for (withTrackedLinks's list). */
export function trackedLinkTargets(content: EditionContent): string[] {
  return withTrackedLinks(content).links;
}
