import {
  CampaignService,
  DraftParseError,
  EditionService,
  type EditionView,
  formatDraft,
  parseDraft,
  PreSendCheckService,
} from '@app/core';
import type { EditionContent } from '@app/email';
import { JobName, JobQueue } from '@app/queue';
import {
  BadRequestException,
  Controller,
  Get,
  HttpException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Request, Response } from 'express';
import { TestSendDto, UpdateEditionDto } from '../../admin/editions/edition.dto';
import { TestSendLimitError, TestSendThrottle } from '../../admin/editions/test-send-throttle';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { isAddress } from '../../common/is-address';
import { Roles } from '../../auth/roles.decorator';
import { consolePage } from '../console.layout';
import { readDraftForm } from './draft-upload';
import {
  checkBody,
  type DraftError,
  EDITABLE_FIELDS,
  type EditionPageData,
  editionBody,
  editionsListBody,
  importBody,
  sendBody,
  type SendPageData,
} from './editions.views';

/** Fixed messages for `?notice=` (free text is never reflected). */
const NOTICES: Record<string, string> = {
  imported: 'Draft imported. Check the preview and the pre-send check below.',
  saved: 'Changes saved.',
  'draft-saved': 'Draft text saved.',
  'test-queued': 'Test queued: it arrives in a minute or so, with “[TEST]” in the subject.',
};

/**
 * The page the preview iframes load may be framed by the console (frame-ancestors 'self') and nothing else;
 * it runs no script and loads nothing but the email's own images and inline styles.
 */
const PREVIEW_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src https: http: data:',
  'font-src https: data:',
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const EDITIONS_SCRIPT = '/admin/assets/editions.js';
const DATETIME_LOCAL_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/;

function notice(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code] : undefined;
}

function bodyOf(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function sendHtml(res: Response, status: number, page: string): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(page);
}

/** The message of a Nest HttpException (string or `{ message }`), joined if it is a list. */
function messageOf(err: HttpException): string {
  const body = err.getResponse();
  const m = typeof body === 'string' ? body : (body as { message?: unknown }).message;
  return Array.isArray(m) ? m.map(String).join('; ') : typeof m === 'string' ? m : err.message;
}

/** A DraftParseError as EditionService.importDraft reports it (a 400 whose body carries line/expected). */
function draftErrorOf(err: unknown): DraftError | undefined {
  if (err instanceof DraftParseError) {
    return { message: err.message, line: err.line, expected: err.expected, found: err.found };
  }
  if (err instanceof BadRequestException) {
    const body = err.getResponse() as Record<string, unknown> | string;
    if (typeof body === 'object') {
      return {
        message: messageOf(err),
        line: typeof body.line === 'number' ? body.line : undefined,
        expected: typeof body.expected === 'string' ? body.expected : undefined,
        found: typeof body.found === 'string' ? body.found : undefined,
      };
    }
    return { message: body };
  }
  return undefined;
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}), ...flatten(e.children ?? [])]);
}

/** Console pages under /admin/editions: list, import, edit, preview, pre-send check, test send, send. */
@ApiExcludeController()
@Controller('admin/editions')
@UseGuards(AdminAuthGuard)
export class EditionsConsoleController {
  constructor(
    private readonly editions: EditionService,
    private readonly preSend: PreSendCheckService,
    private readonly campaigns: CampaignService,
    private readonly jobs: JobQueue,
    private readonly testSends: TestSendThrottle,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response, @Query('notice') n?: string): Promise<void> {
    const editions = await this.editions.list();
    sendHtml(
      res,
      200,
      consolePage(req, 'Editions', editionsListBody(req, editions), {
        section: 'editions',
        notice: notice(n),
      }),
    );
  }

  // ---- Import (declared before :id so "import" is never read as an id) ----------------------------------

  @Get('import')
  @Roles('admin', 'editor')
  importForm(@Req() req: Request, @Res() res: Response): void {
    sendHtml(
      res,
      200,
      consolePage(req, 'Import a draft', importBody(req, { draft: '', format: 'text' }), {
        section: 'editions',
        scripts: [EDITIONS_SCRIPT],
      }),
    );
  }

  @Post('import')
  @Roles('admin', 'editor')
  async importDraft(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = await readDraftForm(req);
    const format = form.format === 'markdown' ? 'markdown' : 'text';
    const text = form.file ?? form.draft;
    const again = (status: number, err: DraftError) =>
      sendHtml(
        res,
        status,
        consolePage(req, 'Import a draft', importBody(req, { draft: text, format }, err), {
          section: 'editions',
          scripts: [EDITIONS_SCRIPT],
        }),
      );
    if (text.trim() === '') {
      again(400, { message: 'Paste the draft into the text box or choose its file.' });
      return;
    }
    try {
      const edition = await this.editions.importDraft(text, format);
      res.redirect(303, `/admin/editions/${edition.id}?notice=imported`);
    } catch (err) {
      const parse = draftErrorOf(err);
      if (parse) return again(400, parse);
      if (err instanceof HttpException && err.getStatus() < 500) {
        return again(err.getStatus(), { message: messageOf(err) });
      }
      throw err;
    }
  }

  // ---- One edition ----------------------------------------------------------------------------------

  @Get(':id')
  async page(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
    @Query('notice') n?: string,
  ): Promise<void> {
    const edition = await this.editions.get(id);
    await this.renderEdition(req, res, 200, { edition }, notice(n));
  }

  @Post(':id')
  @Roles('admin', 'editor')
  async save(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const body = bodyOf(req);
    const patch: Record<string, string> = {};
    for (const f of EDITABLE_FIELDS) {
      const given = body[f];
      if (typeof given !== 'string') continue;
      let v = given.trim();
      // A textarea wraps and browsers send CRLF; the description is one paragraph.
      if (f === 'description') v = v.replace(/\s*[\r\n]+\s*/g, ' ');
      patch[f] = v;
    }
    const unknown = Object.keys(body).filter((k) => !EDITABLE_FIELDS.includes(k));
    const dto = plainToInstance(UpdateEditionDto, patch);
    const errors = unknown.length
      ? [`Unknown field: ${unknown.join(', ')}`]
      : flatten(await validate(dto, { whitelist: true, forbidNonWhitelisted: true }));
    const again = async (status: number, fieldErrors: string[]) =>
      this.renderEdition(req, res, status, {
        edition: await this.editions.get(id),
        fieldValues: { ...patch },
        fieldErrors,
      });
    if (errors.length) return again(400, errors);
    try {
      await this.editions.update(id, patch);
    } catch (err) {
      if (err instanceof HttpException && err.getStatus() < 500 && err.getStatus() !== 404) {
        return again(err.getStatus(), [messageOf(err)]);
      }
      throw err;
    }
    res.redirect(303, `/admin/editions/${id}?notice=saved`);
  }

  @Post(':id/draft')
  @Roles('admin', 'editor')
  async saveDraftText(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const text = str(bodyOf(req).draft);
    const again = async (status: number, err: DraftError) =>
      this.renderEdition(req, res, status, {
        edition: await this.editions.get(id),
        draftError: { err, text },
      });
    if (text.trim() === '') return again(400, { message: 'The draft text is empty.' });
    let content: EditionContent;
    try {
      content = parseDraft(text);
    } catch (err) {
      const parse = draftErrorOf(err);
      if (parse) return again(400, parse);
      return again(400, { message: `The draft cannot be read: ${(err as Error).message}` });
    }
    try {
      await this.editions.update(id, content);
    } catch (err) {
      if (err instanceof HttpException && err.getStatus() < 500 && err.getStatus() !== 404) {
        return again(err.getStatus(), { message: messageOf(err) });
      }
      throw err;
    }
    res.redirect(303, `/admin/editions/${id}?notice=draft-saved`);
  }

  @Get(':id/preview.html')
  async previewHtml(@Param('id', ParseIntPipe) id: number, @Res() res: Response): Promise<void> {
    const { html } = await this.editions.preview(id);
    res
      .status(200)
      .type('html')
      .setHeader('Content-Security-Policy', PREVIEW_CSP)
      .setHeader('X-Frame-Options', 'SAMEORIGIN')
      .setHeader('Cache-Control', 'no-store');
    res.send(html);
  }

  @Get(':id/check')
  async checkPage(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const [edition, check] = await Promise.all([this.editions.get(id), this.preSend.check(id)]);
    sendHtml(
      res,
      200,
      consolePage(req, `Pre-send check · ${edition.subject}`, checkBody(edition, check), {
        section: 'editions',
      }),
    );
  }

  @Post(':id/test')
  @Roles('admin', 'editor')
  async sendTest(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const raw = str(bodyOf(req).to);
    const to = raw
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    let error: string | undefined;
    if (to.length === 0) error = 'Enter at least one address.';
    else if (to.length > 10) error = `At most 10 addresses (you entered ${to.length}).`;
    else {
      const invalid = await validate(plainToInstance(TestSendDto, { to }));
      if (invalid.length) {
        // The API's own address check (a backtracking regex here took seconds on one long "address").
        const bad = to.filter((a) => !isAddress(a));
        error = bad.length
          ? `Not a valid email address: ${bad.join(', ')}`
          : `Invalid addresses: ${flatten(invalid).join('; ')}`;
      }
    }
    const edition = await this.editions.get(id); // 404 now rather than a silently dropped job
    if (error) {
      return this.renderEdition(req, res, 400, { edition, testTo: raw, testError: error });
    }
    try {
      await this.testSends.take(req.principal, to.length);
    } catch (err) {
      if (!(err instanceof TestSendLimitError)) throw err;
      res.setHeader('Retry-After', String(err.retryAfter));
      return this.renderEdition(req, res, 429, { edition, testTo: raw, testError: err.message });
    }
    await this.jobs.add(JobName.SendTest, { editionId: id, to });
    res.redirect(303, `/admin/editions/${id}?notice=test-queued#test-send`);
  }

  // ---- Send / schedule ------------------------------------------------------------------------------

  @Get(':id/send')
  @Roles('admin', 'editor')
  async sendPage(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.renderSend(req, res, 200, { edition: await this.editions.get(id) });
  }

  @Post(':id/send')
  @Roles('admin', 'editor')
  async send(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const body = bodyOf(req);
    const edition = await this.editions.get(id);
    const scheduledInput = str(body.scheduledAt).trim();
    const again = (status: number, extra: Partial<SendPageData>) =>
      this.renderSend(req, res, status, { edition, scheduledAt: scheduledInput, ...extra });

    const expectedRaw = str(body.expectedRecipients);
    if (!/^\d{1,9}$/.test(expectedRaw)) {
      return again(400, { error: 'The confirmation is missing the recipient count: confirm again below.' });
    }
    const mode = str(body.mode) || (scheduledInput ? 'schedule' : 'now');
    if (mode !== 'now' && mode !== 'schedule')
      return again(400, { error: 'Choose “send now” or “schedule”.' });
    if (mode === 'now' && scheduledInput) {
      // Enter in the date field submits with the first button ("now"): never send at once by accident.
      return again(400, {
        error: 'You entered a date and time: press “Schedule” to send then, or clear the date to send now.',
      });
    }
    let scheduledAt: string | undefined;
    if (mode === 'schedule') {
      const m = DATETIME_LOCAL_RE.exec(scheduledInput);
      const iso = m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}Z` : '';
      if (!m || Number.isNaN(Date.parse(iso))) {
        return again(400, { error: 'Enter the date and time to send at (UTC), e.g. 2025-05-01 09:00.' });
      }
      scheduledAt = iso;
    }
    // The editor confirmed a number; if the audience moved since, they confirm the new one.
    const expected = Number(expectedRaw);
    const count = await this.preSend.confirmedRecipients();
    if (count !== expected) return again(409, { staleCount: expected });
    if (mode === 'now' && count === 0) {
      return again(422, {
        error:
          'Nobody is confirmed yet: sending now would use up this edition on no one. Schedule it for later instead.',
      });
    }

    try {
      const campaign = await this.campaigns.create(id, scheduledAt);
      res.redirect(303, `/admin/campaigns/${campaign.id}`);
    } catch (err) {
      if (err instanceof HttpException && err.getStatus() < 500 && err.getStatus() !== 404) {
        return again(err.getStatus(), { error: messageOf(err) });
      }
      throw err;
    }
  }

  // ---- Rendering helpers ----------------------------------------------------------------------------

  private async renderEdition(
    req: Request,
    res: Response,
    status: number,
    d: Omit<EditionPageData, 'preview' | 'check' | 'draftText'> & { edition: EditionView },
    flash?: string,
  ): Promise<void> {
    const [preview, check] = await Promise.all([
      this.editions.preview(d.edition.id),
      this.preSend.check(d.edition.id),
    ]);
    let draftText: string | null = null;
    let draftTextProblem: string | undefined;
    try {
      draftText = formatDraft(d.edition.content);
    } catch (err) {
      draftTextProblem = `${(err as Error).message}. Fix the fields above first.`;
    }
    sendHtml(
      res,
      status,
      consolePage(
        req,
        d.edition.subject,
        editionBody(req, { ...d, preview, check, draftText, draftTextProblem }),
        { section: 'editions', notice: flash },
      ),
    );
  }

  private async renderSend(
    req: Request,
    res: Response,
    status: number,
    d: Omit<SendPageData, 'check'>,
  ): Promise<void> {
    const check = await this.preSend.check(d.edition.id);
    sendHtml(
      res,
      status,
      consolePage(req, `Send · ${d.edition.subject}`, sendBody(req, { ...d, check }), {
        section: 'editions',
      }),
    );
  }
}
