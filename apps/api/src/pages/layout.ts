import { type AssetName, ASSETS } from './assets';
import { html, type SafeHtml } from './html';

/**
 * The <head> every server-rendered page shares: no indexing (pages carry personal links), no favicon request,
 * the stylesheet by its content-hashed URL (the CSP allows stylesheets from 'self', scripts only from files).
 */
export function documentHead(title: string, stylesheet: AssetName): SafeHtml {
  return html`<head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <link rel="icon" href="data:," />
    <title>${title}</title>
    <link rel="stylesheet" href="${ASSETS.url(stylesheet)}" />
  </head>`;
}

/** A page for readers (and the sign-in form): one narrow column under the publication's name. */
export interface ReaderPage {
  layout: 'reader';
  title: string;
  body: SafeHtml;
}

export function readerPage(title: string, body: SafeHtml): ReaderPage {
  return { layout: 'reader', title, body };
}

export function readerLayout(page: ReaderPage, publication: string): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      ${documentHead(page.title, 'reader.css')}
      <body>
        <main>
          <div class="brand">${publication}</div>
          ${page.body}
        </main>
      </body>
    </html>`;
}
