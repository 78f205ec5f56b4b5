import type { Response } from 'express';
import { type ConsolePage, consoleLayout } from '../console/console.layout';
import { type ReaderPage, readerLayout } from './layout';
import { publicationOf } from './publication';

/**
 * A whole HTML document made elsewhere, sent as it is: an edition's web version in the archive, the email
 * preview the console frames. `headers` are its own (the preview's CSP).
 */
export interface DocumentPage {
  layout: 'document';
  html: string;
  headers?: Record<string, string>;
}

export type Page = ReaderPage | ConsolePage | DocumentPage;

/**
 * The one way an HTML page leaves the app: rendered into its layout (reader, console, or none for a whole
 * document), with its status, as UTF-8 HTML, and never stored by a browser or proxy (reader pages carry link
 * tokens, console pages personal data and one-time secrets).
 */
export function sendPage(res: Response, status: number, page: Page): void {
  const body =
    page.layout === 'reader'
      ? readerLayout(page, publicationOf(res).name).value
      : page.layout === 'console'
        ? consoleLayout(page, publicationOf(res).name).value
        : page.html;
  if (page.layout === 'document') {
    for (const [name, value] of Object.entries(page.headers ?? {})) res.setHeader(name, value);
  }
  res.status(status).type('text/html; charset=utf-8').setHeader('Cache-Control', 'no-store').send(body);
}
