import { CampaignService, type CampaignView } from '@app/core';
import { CampaignStatus, DeliveryStatus } from '@app/database';
import {
  Body,
  Controller,
  Get,
  HttpException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { Roles } from '../../auth/roles.decorator';
import { html, type SafeHtml } from '../../pages/html';
import { consolePage } from '../console.layout';
import {
  campaignBody,
  cancelBody,
  type DeliveryFilter,
  deliveriesBody,
  listBody,
  noticeText,
} from './campaign.pages';

const ID_RE = /^[1-9][0-9]{0,9}$/;
const LIST_CURSOR_RE = /^[1-9][0-9]{0,9}$/;
const DELIVERY_CURSOR_RE = /^[1-9][0-9]{0,15}$/;
const DELIVERY_PAGE_SIZE = 100;
const CANCELLABLE = [CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused];

/** A 4xx the handler answers with a console page (its message shown as an error). */
class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseId(raw: string): number {
  const n = ID_RE.test(raw) ? Number(raw) : NaN;
  if (!(n <= 2147483647)) throw new PageError(404, 'No such campaign: the id must be a positive integer');
  return n;
}

/** A single query value: repeated parameters (`?a=1&a=2`) are refused rather than guessed at. */
function single(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new PageError(400, `${name} must be given once`);
  return v;
}

function messageOf(err: HttpException): string {
  const body = err.getResponse();
  if (typeof body === 'string') return body;
  const m = (body as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : err.message;
}

function send(res: Response, status: number, page: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.type('html').send(page);
}

/**
 * Console pages of campaigns: the list, the live progress page with pause/resume/cancel/send-missed, and the
 * per-recipient delivery log. Each handler calls one CampaignService method; domain refusals (404, 409) come
 * back as console pages with the message, not bare error pages.
 */
@ApiExcludeController()
@Controller('admin/campaigns')
@UseGuards(AdminAuthGuard)
export class CampaignsConsoleController {
  constructor(private readonly campaigns: CampaignService) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response, @Query() q: Record<string, unknown>): Promise<void> {
    await this.page(req, res, 'Campaigns', async () => {
      const cursor = single(q, 'cursor');
      if (cursor !== undefined && !LIST_CURSOR_RE.test(cursor)) {
        throw new PageError(400, 'cursor must be a value from an "Older campaigns" link');
      }
      const page = await this.campaigns.list({ cursor, limit: 50 });
      return [200, listBody(page.items, page.nextCursor), {}];
    });
  }

  @Get(':id')
  async show(
    @Req() req: Request,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Query() q: Record<string, unknown>,
  ): Promise<void> {
    await this.page(req, res, 'Campaign', async () => {
      const c = await this.campaigns.get(parseId(rawId));
      const notice = noticeText(q.notice);
      const added = typeof q.added === 'string' && /^\d{1,9}$/.test(q.added) ? q.added : undefined;
      const requeued =
        typeof q.requeued === 'string' && /^\d{1,9}$/.test(q.requeued) ? q.requeued : undefined;
      const counts =
        q.notice === 'missed' && added !== undefined && requeued !== undefined
          ? ` Added ${added} new recipients, queued ${requeued} failed or skipped deliveries again.`
          : '';
      return [
        200,
        campaignBody(req, c),
        { notice: notice && notice + counts, title: this.title(c), live: true },
      ];
    });
  }

  @Get(':id/deliveries')
  async deliveries(
    @Req() req: Request,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Query() q: Record<string, unknown>,
  ): Promise<void> {
    await this.page(req, res, 'Delivery log', async () => {
      const id = parseId(rawId);
      const form = {
        status: typeof q.status === 'string' ? q.status : '',
        q: typeof q.q === 'string' ? q.q.slice(0, 300) : '',
      };
      const errors: { status?: string; q?: string; cursor?: string } = {};
      const filter: DeliveryFilter = {};
      const statuses = Object.values(DeliveryStatus) as string[];
      if (
        q.status !== undefined &&
        (typeof q.status !== 'string' || (q.status !== '' && !statuses.includes(q.status)))
      ) {
        errors.status = `Status must be one of: ${statuses.join(', ')}`;
      } else if (form.status) filter.status = form.status as DeliveryStatus;
      if (q.q !== undefined) {
        const text = typeof q.q === 'string' ? q.q.trim() : undefined;
        // eslint-disable-next-line no-control-regex
        if (text === undefined || text.length > 254 || /[\u0000-\u001f\u007f]/.test(text)) {
          errors.q = 'The email search must be one line of at most 254 characters';
        } else if (text) filter.q = text;
      }
      if (q.cursor !== undefined) {
        if (typeof q.cursor !== 'string' || !DELIVERY_CURSOR_RE.test(q.cursor)) {
          errors.cursor = 'cursor must be a value from a "Next page" link';
        } else filter.cursor = q.cursor;
      }
      if (errors.status || errors.q || errors.cursor) {
        return [400, deliveriesBody(id, form, undefined, filter, errors), { error: 'Check the filters.' }];
      }
      const page = await this.campaigns.deliveries(id, {
        status: filter.status,
        email: filter.q,
        cursor: filter.cursor,
        limit: DELIVERY_PAGE_SIZE,
      });
      return [200, deliveriesBody(id, form, page, filter), {}];
    });
  }

  /** The confirmation step of a cancel (no inline script: a page of its own with a box to tick). */
  @Get(':id/cancel')
  @Roles('admin', 'editor')
  async cancelForm(@Req() req: Request, @Res() res: Response, @Param('id') rawId: string): Promise<void> {
    await this.page(req, res, 'Cancel campaign', async () => {
      const c = await this.campaigns.get(parseId(rawId));
      const ok = CANCELLABLE.includes(c.status);
      return [
        ok ? 200 : 409,
        cancelBody(req, c, ok),
        ok
          ? {}
          : {
              error: `This campaign is ${c.status}; only a scheduled, running or paused one can be cancelled.`,
            },
      ];
    });
  }

  @Post(':id/pause')
  @Roles('admin', 'editor', 'ops')
  async pause(@Req() req: Request, @Res() res: Response, @Param('id') rawId: string): Promise<void> {
    await this.act(req, res, rawId, async (id) => {
      await this.campaigns.pause(
        id,
        `Paused from the console by ${req.principal?.email ?? 'an administrator'}`,
      );
      return 'paused';
    });
  }

  @Post(':id/resume')
  @Roles('admin', 'editor')
  async resume(@Req() req: Request, @Res() res: Response, @Param('id') rawId: string): Promise<void> {
    await this.act(req, res, rawId, async (id) => {
      await this.campaigns.resume(id);
      return 'resumed';
    });
  }

  @Post(':id/cancel')
  @Roles('admin', 'editor')
  async cancel(
    @Req() req: Request,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Body() body: unknown,
  ): Promise<void> {
    const confirmed =
      body !== null && typeof body === 'object' && (body as Record<string, unknown>).confirm === 'yes';
    if (!confirmed) {
      await this.page(req, res, 'Cancel campaign', async () => {
        const c = await this.campaigns.get(parseId(rawId));
        return [
          400,
          cancelBody(req, c, CANCELLABLE.includes(c.status)),
          { error: 'Tick “Yes, cancel this campaign” to confirm; nothing was cancelled.' },
        ];
      });
      return;
    }
    await this.act(req, res, rawId, async (id) => {
      await this.campaigns.cancel(id);
      return 'cancelled';
    });
  }

  @Post(':id/send-missed')
  @Roles('admin', 'editor')
  async sendMissed(@Req() req: Request, @Res() res: Response, @Param('id') rawId: string): Promise<void> {
    await this.act(req, res, rawId, async (id) => {
      const r = await this.campaigns.sendMissed(id);
      return r.added + r.requeued === 0 ? 'missed-none' : `missed&added=${r.added}&requeued=${r.requeued}`;
    });
  }

  private title(c: CampaignView): string {
    return `Campaign #${c.id} (${c.status})`;
  }

  /** Runs a state change and redirects (303) to the campaign page; a refusal shows the page with the reason. */
  private async act(
    req: Request,
    res: Response,
    rawId: string,
    run: (id: number) => Promise<string>,
  ): Promise<void> {
    let id: number;
    let notice: string;
    try {
      id = parseId(rawId);
      notice = await run(id);
    } catch (err) {
      const failure = this.failureOf(err);
      if (!failure) throw err;
      // Show the campaign as it is now, with why the action was refused.
      await this.page(req, res, 'Campaign', async () => {
        const c = await this.campaigns.get(parseId(rawId));
        return [
          failure.status,
          campaignBody(req, c),
          { error: failure.message, title: this.title(c), live: true },
        ];
      });
      return;
    }
    res.redirect(303, `/admin/campaigns/${id}?notice=${notice}`);
  }

  private async page(
    req: Request,
    res: Response,
    title: string,
    build: () => Promise<
      [number, SafeHtml, { notice?: string; error?: string; title?: string; live?: boolean }]
    >,
  ): Promise<void> {
    try {
      const [status, body, opts] = await build();
      send(
        res,
        status,
        consolePage(req, opts.title ?? title, body, {
          section: 'campaigns',
          notice: opts.notice,
          error: opts.error,
          scripts: opts.live ? ['/admin/assets/campaign-live.js'] : [],
        }),
      );
    } catch (err) {
      const failure = this.failureOf(err);
      if (!failure) throw err;
      send(
        res,
        failure.status,
        consolePage(
          req,
          title,
          html`<h1>${title}</h1>
            <p><a href="/admin/campaigns">All campaigns</a></p>`,
          { section: 'campaigns', error: failure.message },
        ),
      );
    }
  }

  private failureOf(err: unknown): { status: number; message: string } | undefined {
    if (err instanceof PageError) return { status: err.status, message: err.message };
    if (err instanceof HttpException && err.getStatus() >= 400 && err.getStatus() < 500) {
      return { status: err.getStatus(), message: messageOf(err) };
    }
    return undefined;
  }
}
