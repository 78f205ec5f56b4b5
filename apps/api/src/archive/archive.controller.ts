import { inlineText, issueLabel } from '@app/content';
import { AppConfig } from '@app/config';
import { EditionService, type EditionView } from '@app/core';
import { Controller, Get, Header, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { html } from '../pages/html';
import { readerPage } from '../pages/layout';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';

/** XML 1.0 text and attribute escaping; characters XML cannot carry at all are dropped. */
export function escapeXml(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
      )
  );
}

/** What is inside a whole HTML document's <body> (the document as it is when it has none). */
export function documentBody(document: string): string {
  const open = document.indexOf('<body');
  const start = open === -1 ? -1 : document.indexOf('>', open);
  const end = document.lastIndexOf('</body>');
  return start === -1 || end < start ? document : document.slice(start + 1, end);
}

/** The public web archive of sent editions: a list, each issue's web version, and an Atom feed. No auth. */
@ApiExcludeController()
@Controller('archive')
@UseGuards(ThrottlerGuard)
export class ArchiveController {
  constructor(
    private readonly editions: EditionService,
    private readonly config: AppConfig,
  ) {}

  /** Every sent issue, newest first: its month (the link), its subject and its highlights' headlines. */
  @Get()
  async index(@Res() res: Response): Promise<void> {
    const sent = await this.editions.listSent();
    const items = sent.map(
      (e) =>
        html`<li class="issue">
          <h2><a href="/archive/${e.slug}">${issueLabel(e.slug)}</a></h2>
          <p class="muted">${e.subject}</p>
          ${
            e.content.highlights.length
              ? html`<ul class="headlines" aria-label="Highlights of ${issueLabel(e.slug)}">
                  ${e.content.highlights.map((h) => html`<li>${h.headline}</li>`)}
                </ul>`
              : ''
          }
          <p><a href="/archive/${e.slug}">Read the ${issueLabel(e.slug)} issue</a></p>
        </li>`,
    );
    const body =
      sent.length === 0
        ? html`<h1>Archive</h1>
            <p>No issues have been published yet.</p>`
        : html`<h1>Archive</h1>
            <ol class="issues">
              ${items}
            </ol>`;
    sendPage(
      res,
      200,
      readerPage(
        'Archive',
        html`${body}
          <p class="muted"><a href="/archive/feed.xml">Atom feed</a></p>`,
      ),
    );
  }

  @Get('feed.xml')
  @Header('Content-Type', 'application/atom+xml; charset=utf-8')
  async feed(@Res({ passthrough: true }) res: Response): Promise<string> {
    const sent = await this.editions.listSent();
    const updated = sent[0] ? this.published(sent[0]) : new Date(0).toISOString();
    const title = sent[0]?.content.publicationName ?? publicationOf(res).name;
    const pages = await Promise.all(sent.map((e) => this.editions.webVersion(e)));
    const entries = sent.map((e, i) => {
      const url = this.editions.archiveUrl(e.slug);
      const summary =
        e.content.highlights.map((h) => inlineText(h.headline)).join(' · ') || e.content.description;
      return [
        '<entry>',
        `<title>${escapeXml(e.subject)}</title>`,
        `<link rel="alternate" type="text/html" href="${escapeXml(url)}"/>`,
        `<id>${escapeXml(url)}</id>`,
        `<published>${this.published(e)}</published>`,
        `<updated>${this.published(e)}</updated>`,
        `<summary>${escapeXml(summary)}</summary>`,
        // the whole issue as the archive shows it (its body: a feed entry is not a document), escaped once
        `<content type="html">${escapeXml(documentBody(pages[i]!))}</content>`,
        '</entry>',
      ].join('\n');
    });
    return [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<title>${escapeXml(title)}</title>`,
      `<id>${escapeXml(this.config.url('/archive'))}</id>`,
      `<link rel="self" type="application/atom+xml" href="${escapeXml(this.config.url('/archive/feed.xml'))}"/>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(this.config.url('/archive'))}"/>`,
      `<updated>${updated}</updated>`,
      `<author><name>${escapeXml(title)}</name></author>`,
      ...entries,
      '</feed>',
      '',
    ].join('\n');
  }

  /**
   * A test message's "View in browser": the web version of an edition that may not be sent yet, for whoever
   * holds the signed link (30 days). A forged, altered or expired token: 404, as for a month not published.
   */
  @Get('preview')
  async preview(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const found = await this.editions.renderPreviewLink(token);
    if (!found) {
      const body = html`<h1>No such issue</h1>
        <p>This preview link is not valid or has expired (preview links work for 30 days).</p>
        <p><a href="/archive">See all published issues</a></p>`;
      return sendPage(res, 404, readerPage('Not found', body));
    }
    res.setHeader('X-Robots-Tag', 'noindex');
    sendPage(res, 200, { layout: 'document', html: found.html });
  }

  @Get(':slug')
  async show(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    const found = await this.editions.renderArchived(slug);
    if (!found) {
      const body = html`<h1>No such issue</h1>
        <p><a href="/archive">See all published issues</a></p>`;
      return sendPage(res, 404, readerPage('Not found', body));
    }
    sendPage(res, 200, { layout: 'document', html: found.html });
  }

  private published(e: EditionView): string {
    return e.sentAt ?? e.updatedAt;
  }
}
