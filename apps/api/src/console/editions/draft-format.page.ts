import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Marked, type Tokens } from 'marked';
import { escapeHtml, html, raw, type SafeHtml } from '../../pages/html';

/**
 * docs/draft-format.md, the editors' reference for the draft format, as a console page. nest-cli.json copies
 * the file into the build at the same place relative to this file (dist/apps/api/docs), so the one path works
 * from the sources (tests) and from dist.
 */
export const DRAFT_FORMAT_FILE = join(__dirname, '..', '..', '..', '..', '..', 'docs', 'draft-format.md');

/** Only these link targets become links; anything else stays text. */
const SAFE_HREF = /^(https?:|mailto:|#)/i;

/**
 * Markdown to HTML with marked, the document's own raw HTML shown as text (escaped) and links only to
 * http(s), mailto or an anchor: the file is ours, but the page must stay safe whoever edits it.
 */
const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      return SAFE_HREF.test(token.href) ? `<a href="${escapeHtml(token.href)}">${text}</a>` : text;
    },
    image(token: Tokens.Image): string {
      return escapeHtml(token.text);
    },
  },
});

let cached: SafeHtml | undefined;

/** The rendered document (read and rendered once: the file changes only with a deploy). */
export function draftFormatHtml(file = DRAFT_FORMAT_FILE): SafeHtml {
  if (file === DRAFT_FORMAT_FILE && cached) return cached;
  const rendered = raw(markdown.parse(readFileSync(file, 'utf8')) as string);
  if (file === DRAFT_FORMAT_FILE) cached = rendered;
  return rendered;
}

/** The page body: a way back to the import form, then the document (its own h1). */
export function draftFormatBody(): SafeHtml {
  return html`<p class="small"><a href="/admin/editions/import">← Import a draft</a></p>
    <article class="doc">${draftFormatHtml()}</article>`;
}
