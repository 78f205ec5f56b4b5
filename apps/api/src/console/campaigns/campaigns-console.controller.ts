import { CampaignService } from '@app/core';
import { CampaignStatus } from '@app/database';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { messageText } from '../../common/error-answer';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { readForm, submitForm } from '../console-forms';
import { type ConsolePage, consolePage } from '../console.layout';
import { CampaignListQuery, CampaignPageQuery, CancelForm, DeliveriesQuery } from './campaign.forms';
import { campaignPage, cancelPage, deliveriesBody, listBody, noticeText } from './campaign.pages';

const DELIVERY_PAGE_SIZE = 100;
const CANCELLABLE = [CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused];

/**
 * Console pages of campaigns: the list, the live progress page with pause/resume/cancel/send-missed, and the
 * per-recipient delivery log. Each handler calls one CampaignService method; a refused action (409) shows
 * the campaign as it is now with the reason.
 */
@ConsoleController('admin/campaigns')
export class CampaignsConsoleController {
  constructor(private readonly campaigns: CampaignService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(CampaignListQuery, req.query);
    const page = await this.campaigns.list({ cursor: q.cursor, limit: 50 });
    sendPage(
      res,
      200,
      consolePage(req, 'Campaigns', listBody(page.items, page.nextCursor), { section: 'campaigns' }),
    );
  }

  @Get(':id')
  async show(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(CampaignPageQuery, req.query);
    sendPage(res, 200, await this.livePage(req, id, { notice: noticeText(q) }));
  }

  @Get(':id/deliveries')
  async deliveries(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(DeliveriesQuery, req.query);
    const filter = { status: q.status || undefined, q: q.q?.trim() || undefined, cursor: q.cursor };
    const page = await this.campaigns.deliveries(id, {
      status: filter.status,
      email: filter.q,
      cursor: filter.cursor,
      limit: DELIVERY_PAGE_SIZE,
    });
    const body = deliveriesBody(id, { status: q.status ?? '', q: q.q ?? '' }, page, filter);
    sendPage(res, 200, consolePage(req, 'Delivery log', body, { section: 'campaigns' }));
  }

  /** The confirmation step of a cancel (no inline script: a page of its own with a box to tick). */
  @Get(':id/cancel')
  @Roles('admin', 'editor')
  async cancelForm(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const c = await this.campaigns.get(id);
    if (CANCELLABLE.includes(c.status)) return sendPage(res, 200, cancelPage(req, c, true));
    const why = `This campaign is ${c.status}; only a scheduled, running or paused one can be cancelled.`;
    sendPage(res, 409, cancelPage(req, c, false, why));
  }

  @Post(':id/pause')
  @Roles('admin', 'editor', 'ops')
  async pause(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.act(req, res, id, async () => {
      await this.campaigns.pause(
        id,
        `Paused from the console by ${req.principal?.email ?? 'an administrator'}`,
      );
      return 'paused';
    });
  }

  @Post(':id/resume')
  @Roles('admin', 'editor')
  async resume(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.act(req, res, id, async () => {
      await this.campaigns.resume(id);
      return 'resumed';
    });
  }

  /** Unticked: the confirmation step again (400); refused by the campaign's state: its page (409). */
  @Post(':id/cancel')
  @Roles('admin', 'editor')
  async cancel(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await submitForm(
      res,
      async () => {
        await readForm(CancelForm, req.body);
        await this.campaigns.cancel(id);
        return `/admin/campaigns/${id}?notice=cancelled`;
      },
      async (refusal) => {
        const c = await this.campaigns.get(id);
        return refusal.status === 400
          ? cancelPage(req, c, CANCELLABLE.includes(c.status), messageText(refusal))
          : this.livePage(req, id, { error: messageText(refusal) });
      },
    );
  }

  @Post(':id/send-missed')
  @Roles('admin', 'editor')
  async sendMissed(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.act(req, res, id, async () => {
      const r = await this.campaigns.sendMissed(id);
      return r.added + r.requeued === 0 ? 'missed-none' : `missed&added=${r.added}&requeued=${r.requeued}`;
    });
  }

  /** Runs a state change and shows the campaign (303) with a notice; a refusal shows it with the reason. */
  private act(req: Request, res: Response, id: number, run: () => Promise<string>): Promise<void> {
    return submitForm(
      res,
      async () => `/admin/campaigns/${id}?notice=${await run()}`,
      async (refusal) => this.livePage(req, id, { error: messageText(refusal) }),
    );
  }

  /** The campaign page as it is now, with its latest deliveries. */
  private async livePage(
    req: Request,
    id: number,
    messages: { notice?: string; error?: string },
  ): Promise<ConsolePage> {
    const [c, latest] = await Promise.all([this.campaigns.get(id), this.campaigns.latestDeliveries(id)]);
    return campaignPage(req, c, latest, messages);
  }
}
