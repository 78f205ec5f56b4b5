import {
  CsvImportError,
  type ImportOptions,
  SubscriberAdminService,
  SubscriberImportService,
  SubscriberNotFoundError,
  SubscriptionInputError,
} from '@app/core';
import { SubscriberStatus } from '@app/database';
import { Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { Roles } from '../../auth/roles.decorator';
import { evidence } from '../../subscriptions/request-evidence';
import {
  UploadInterruptedError,
  UploadRejectedError,
  UploadTooLargeError,
  withCsvUpload,
} from './csv-upload';
import {
  detailPage,
  type DetailFormState,
  importFormPage,
  importReportPage,
  listPage,
  notFoundPage,
  STATUSES,
  SUBSCRIBER_NOTICES,
} from './subscribers.pages';
import { sendSubscribersCsv } from '../../common/csv-download';

const MAX_INT4 = 2147483647;
/** SubscriberAdminService.get returns at most this many events. */
const HISTORY_CAP = 100;

/** Input the page refuses with 400 and this message. */
class BadInput extends Error {}

function sendPage(res: Response, status: number, body: string): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(body);
}

/** A single string query/body value ('' when absent); arrays, objects and overlong values are refused. */
function field(source: unknown, name: string, max: number, label = name): string {
  const v = source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new BadInput(`${label} must be given once, as text`);
  if (v.length > max) throw new BadInput(`${label} must be at most ${max} characters`);
  // PostgreSQL cannot store NUL, and none of these fields has a use for control characters
  if (/\p{Cc}/u.test(v)) throw new BadInput(`${label} must not contain control characters`);
  return v;
}

function parseId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_INT4 ? id : undefined;
}

function parseStatus(raw: string, allowEmpty: boolean): SubscriberStatus | '' {
  if (raw === '' && allowEmpty) return '';
  if (!(STATUSES as string[]).includes(raw)) {
    throw new BadInput(`status must be one of: ${STATUSES.join(', ')}`);
  }
  return raw as SubscriberStatus;
}

function notice(req: Request, table: Record<string, string>): string | undefined {
  const code = req.query.notice;
  return typeof code === 'string' && Object.hasOwn(table, code) ? table[code] : undefined;
}

/** The uploaded file's name as consent evidence: one printable line, short. */
function importSource(filename: string): string {
  const clean = filename
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 80);
  return clean ? `import:${clean}` : 'import';
}

/** The import form's option checkboxes, the same choices as the API's ?consent= and ?sendOptIn=. */
function importOptions(fields: Record<string, string>): Omit<ImportOptions, 'evidence'> {
  const consent = fields.consent;
  const sendOptIn = fields.sendOptIn;
  if (consent !== undefined && consent !== 'confirmed')
    throw new UploadRejectedError('consent must be "confirmed" or absent');
  if (sendOptIn !== undefined && sendOptIn !== 'true')
    throw new UploadRejectedError('sendOptIn must be "true" or absent');
  return { consent: consent === 'confirmed' ? 'confirmed' : 'pending', sendOptIn: sendOptIn === 'true' };
}

/**
 * Console pages for subscribers: search and filter, one subscriber with consent evidence and history,
 * status and name changes, erasure, CSV import with the per-line report, CSV export. Reads are open to every
 * console role; changes to admins and editors (the guard's default policy for POST).
 */
@ApiExcludeController()
@Controller('admin/subscribers')
@UseGuards(AdminAuthGuard)
export class SubscribersConsoleController {
  constructor(
    private readonly admin: SubscriberAdminService,
    private readonly importer: SubscriberImportService,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    let q = '';
    let status: SubscriberStatus | '' = '';
    try {
      q = field(req.query, 'q', 254, 'search').trim();
      status = parseStatus(field(req.query, 'status', 32), true);
      const cursor = field(req.query, 'cursor', 100) || undefined;
      const page = await this.admin.list({ search: q || undefined, status: status || undefined, cursor });
      sendPage(
        res,
        200,
        listPage(
          req,
          { ...page, q, status, paged: cursor !== undefined },
          { notice: notice(req, SUBSCRIBER_NOTICES) },
        ),
      );
    } catch (err) {
      if (!(err instanceof BadInput || err instanceof SubscriptionInputError)) throw err;
      sendPage(
        res,
        400,
        listPage(req, { items: [], nextCursor: null, q, status, paged: false }, { error: err.message }),
      );
    }
  }

  // Fixed paths are declared before ':id' so they are not taken for an id.

  @Get('export.csv')
  async export(@Req() req: Request, @Res() res: Response): Promise<void> {
    let filter: { search?: string; status?: SubscriberStatus };
    try {
      const search = field(req.query, 'q', 254, 'search').trim();
      const status = parseStatus(field(req.query, 'status', 32), true);
      filter = { search: search || undefined, status: status || undefined };
    } catch (err) {
      if (!(err instanceof BadInput)) throw err;
      res.status(400).type('text/plain').send(err.message);
      return;
    }
    await sendSubscribersCsv(res, this.admin.exportCsv(filter));
  }

  @Get('import')
  @Roles('admin', 'editor')
  importForm(@Req() req: Request, @Res() res: Response): void {
    sendPage(res, 200, importFormPage(req));
  }

  @Post('import')
  @Roles('admin', 'editor')
  async import(@Req() req: Request, @Res() res: Response): Promise<void> {
    let filename = '';
    const fields: Record<string, string> = {};
    try {
      const report = await withCsvUpload(
        req,
        'csv',
        (upload) => {
          filename = upload.filename;
          return this.importer.importCsv(upload.stream, {
            ...importOptions(upload.fields),
            evidence: evidence(req, importSource(upload.filename)),
          });
        },
        fields,
      );
      sendPage(res, 200, importReportPage(req, report, filename));
    } catch (err) {
      if (err instanceof CsvImportError) {
        sendPage(res, 400, importReportPage(req, err.report, filename, err.message));
        return;
      }
      if (err instanceof UploadRejectedError || err instanceof SubscriptionInputError) {
        // a file cut short may have had rows imported before the cut: say so
        const partial =
          filename && (err instanceof UploadTooLargeError || err instanceof UploadInterruptedError)
            ? ' Rows before that point may have been imported; importing the whole file again leaves them unchanged.'
            : '';
        sendPage(
          res,
          400,
          importFormPage(req, {
            error: err.message + partial,
            consent: fields.consent === 'confirmed',
            sendOptIn: fields.sendOptIn === 'true',
          }),
        );
        return;
      }
      throw err;
    }
  }

  @Get(':id')
  async view(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.renderDetail(req, res, rawId, 200, { notice: notice(req, SUBSCRIBER_NOTICES) });
  }

  @Post(':id/status')
  async changeStatus(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'status', async (id) => {
      const status = parseStatus(field(req.body, 'status', 32), false) as SubscriberStatus;
      await this.admin.patch(id, { status }, evidence(req, 'admin'));
      return 'status-changed';
    });
  }

  @Post(':id/name')
  async changeName(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'name', async (id) => {
      const name = field(req.body, 'name', 1000);
      await this.admin.patch(id, { name: name.trim() === '' ? null : name }, evidence(req, 'admin'));
      return 'name-changed';
    });
  }

  @Post(':id/erase')
  async erase(@Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, rawId, 'erase', async (id) => {
      if (field(req.body, 'confirm', 10) !== 'yes') {
        throw new BadInput('Tick the box to confirm the erasure: it cannot be undone.');
      }
      await this.admin.erase(id, { source: 'admin' });
      return 'erased';
    });
  }

  /** Runs one change; redirects to the page with a notice, or re-renders it with the error next to the form. */
  private async change(
    req: Request,
    res: Response,
    rawId: string,
    form: NonNullable<DetailFormState['form']>,
    run: (id: number) => Promise<string>,
  ): Promise<void> {
    const id = parseId(rawId);
    if (id === undefined) {
      sendPage(res, 404, notFoundPage(req, `Subscriber ${rawId} not found`));
      return;
    }
    try {
      const code = await run(id);
      res.redirect(
        303,
        code === 'erased' ? '/admin/subscribers?notice=erased' : `/admin/subscribers/${id}?notice=${code}`,
      );
    } catch (err) {
      if (err instanceof SubscriberNotFoundError) {
        sendPage(res, 404, notFoundPage(req, err.message));
        return;
      }
      if (!(err instanceof BadInput || err instanceof SubscriptionInputError)) throw err;
      const body = req.body as Record<string, unknown> | undefined;
      const typed = form === 'name' ? body?.name : undefined;
      await this.renderDetail(req, res, rawId, 400, {
        form,
        error: err.message,
        name: typeof typed === 'string' ? typed.slice(0, 1000) : undefined,
      });
    }
  }

  private async renderDetail(
    req: Request,
    res: Response,
    rawId: string,
    status: number,
    st: DetailFormState & { notice?: string },
  ): Promise<void> {
    const id = parseId(rawId);
    try {
      if (id === undefined) throw new SubscriberNotFoundError(rawId);
      const data = await this.admin.get(id);
      sendPage(res, status, detailPage(req, data, { ...st, historyCap: HISTORY_CAP }));
    } catch (err) {
      if (!(err instanceof SubscriberNotFoundError)) throw err;
      sendPage(res, 404, notFoundPage(req, err.message));
    }
  }
}
