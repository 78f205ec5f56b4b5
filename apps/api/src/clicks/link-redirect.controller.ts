import { ClickTracker, TokenPurpose } from '@app/core';
import { Controller, Get, Param, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ApiMetrics } from '../metrics/api-metrics.service';
import { html } from '../pages/html';
import { readerPage } from '../pages/layout';
import { sendPage } from '../pages/send-page';

export { LINK_THROTTLER } from '../limits/shared-throttler.storage';

/** Whether a request path is a tracked link or open pixel (the only routes the clicks throttler counts). */
export function isTrackedLinkPath(path: string): boolean {
  return path.startsWith('/l/') || path.startsWith('/o/');
}

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Tracked links of campaign messages (issue 15). `GET /l/<token>` answers 302 to the one link of the one
 * issue the signed token names; anything else (forged, altered, truncated, padded, unknown campaign or
 * link) gets a 404 page pointing at the archive: never a redirect to an address taken from the request.
 * The click is classified and buffered in memory (ClickTracker): the answer waits on neither PostgreSQL
 * nor Redis. HEAD is answered like GET (Express) and counted as a machine.
 */
@ApiTags('links')
@Controller()
@UseGuards(ThrottlerGuard)
@SkipThrottle({ default: true })
export class LinkRedirectController {
  constructor(
    private readonly tracker: ClickTracker,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get('l/:token')
  @ApiOperation({ summary: 'Tracked link of a campaign message: 302 to the link, 404 for any other token' })
  async link(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const end = this.metrics.redirectDuration.startTimer();
    const out = await this.tracker.click({
      token,
      purpose: TokenPurpose.Link,
      method: req.method,
      userAgent: req.get('user-agent'),
    });
    if (!out.ok || out.url === null) {
      end({ outcome: 'not_found' });
      return notFound(res);
    }
    this.metrics.clicks.inc({ kind: out.kind ?? 'untracked', target: 'link' });
    // No Referer with the token to the linked site, and no cached 302 (each click counts).
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // Without a body: Express's res.redirect() negotiates and escapes an HTML body for every click, a fifth of
    // the redirect's own cost; location() percent-encodes what the URL policy let through.
    res.location(out.url).status(302).setHeader('Content-Length', '0');
    res.end();
    end({ outcome: 'redirect' });
  }

  @Get('o/:token')
  @ApiOperation({ summary: 'Open pixel of a campaign message (TRACKING=individual, OPEN_TRACKING=true)' })
  async open(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const out = await this.tracker.click({
      token,
      purpose: TokenPurpose.Open,
      method: req.method,
      userAgent: req.get('user-agent'),
    });
    if (!out.ok) return notFound(res);
    this.metrics.clicks.inc({ kind: out.kind ?? 'untracked', target: 'open' });
    res.status(200).setHeader('Cache-Control', 'no-store').type('image/gif').send(PIXEL);
  }
}

function notFound(res: Response): void {
  sendPage(
    res,
    404,
    readerPage(
      'Link not found',
      html`<h1>This link does not work</h1>
        <p>It may have been cut short or changed on its way to you.</p>
        <p><a href="/archive">Read the issues in the archive</a></p>`,
    ),
  );
}
