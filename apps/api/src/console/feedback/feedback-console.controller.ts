import { FeedbackReportService } from '@app/core';
import { Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { readForm } from '../console-forms';
import { FeedbackEventsQuery, InboundListQuery } from './feedback.forms';
import { eventsPage, inboundDetailPage, inboundListPage } from './feedback.pages';

const PAGE_SIZE = 50;

/**
 * The console's "Bounces & complaints": what the inbound mail server received and what processing made of
 * it, and the feedback events acted on. Every console role may read the lists (editors follow their
 * campaigns' complaints); a message's raw source, on its own page and as a download, is for operators only
 * (admin, ops: see mayReadRaw).
 */
@ConsoleController('admin/feedback')
export class FeedbackConsoleController {
  constructor(private readonly reports: FeedbackReportService) {}

  @Get()
  async inbound(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(InboundListQuery, req.query);
    const page = await this.reports.inbound({
      status: q.status || undefined,
      classification: q.classification || undefined,
      cursor: q.cursor,
      limit: PAGE_SIZE,
    });
    const view = {
      page,
      status: q.status ?? '',
      classification: q.classification ?? '',
      paged: q.cursor !== undefined,
    };
    sendPage(res, 200, inboundListPage(req, view));
  }

  @Get('events')
  async events(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(FeedbackEventsQuery, req.query);
    const page = await this.reports.events({
      kind: q.kind || undefined,
      source: q.source || undefined,
      campaignId: q.campaign ? Number(q.campaign) : undefined,
      cursor: q.cursor,
      limit: PAGE_SIZE,
    });
    const view = {
      page,
      kind: q.kind ?? '',
      source: q.source ?? '',
      campaign: q.campaign ?? '',
      paged: q.cursor !== undefined,
    };
    sendPage(res, 200, eventsPage(req, view));
  }

  @Get('inbound/:id')
  @Roles('admin', 'ops')
  async message(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    sendPage(res, 200, inboundDetailPage(req, await this.reports.inboundMessage(id)));
  }

  /**
   * The message as received, to open in a mail program or a parser: an attachment (never shown inline), of
   * a type no browser renders as a page, its name made of the id alone.
   */
  @Get('inbound/:id/source.eml')
  @Roles('admin', 'ops')
  async source(@IdParam() id: number, @Res() res: Response): Promise<void> {
    const raw = await this.reports.inboundRaw(id);
    res.status(200);
    res.setHeader('Content-Type', 'message/rfc822');
    res.setHeader('Content-Disposition', `attachment; filename="inbound-${id}.eml"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'no-store');
    res.end(raw);
  }
}
