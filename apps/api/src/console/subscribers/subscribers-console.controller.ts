import { CsvImportError, SubscriberAdminService, SubscriberImportService } from '@app/core';
import { Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { sendSubscribersCsv } from '../../common/csv-download';
import { messageText } from '../../common/error-answer';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { evidence } from '../../subscriptions/request-evidence';
import { ConsoleController } from '../console-controller.decorator';
import { NoticeQuery, noticeFrom, readForm, submitForm, typed } from '../console-forms';
import type { ConsolePage } from '../console.layout';
import { UploadInterruptedError, UploadTooLargeError, withCsvUpload } from './csv-upload';
import {
  EraseForm,
  ImportOptionsForm,
  NameForm,
  StatusForm,
  SubscriberFilterQuery,
  SubscriberListQuery,
} from './subscriber.forms';
import {
  detailPage,
  type DetailFormState,
  importFormPage,
  importReportPage,
  listPage,
  SUBSCRIBER_NOTICES,
} from './subscribers.pages';

type DetailForm = NonNullable<DetailFormState['form']>;

/** SubscriberAdminService.get returns at most this many events. */
const HISTORY_CAP = 100;

/** The uploaded file's name as consent evidence: one printable line, short. */
function importSource(filename: string): string {
  const clean = filename
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 80);
  return clean ? `import:${clean}` : 'import';
}

/**
 * Console pages for subscribers: search and filter, one subscriber with consent evidence and history,
 * status and name changes, erasure, CSV import with the per-line report, CSV export. Reads are open to every
 * console role; changes to admins and editors (the guard's default policy for POST).
 */
@ConsoleController('admin/subscribers')
export class SubscribersConsoleController {
  constructor(
    private readonly admin: SubscriberAdminService,
    private readonly importer: SubscriberImportService,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const query = await readForm(SubscriberListQuery, req.query);
    const q = query.q?.trim() ?? '';
    const status = query.status ?? '';
    const page = await this.admin.list({
      search: q || undefined,
      status: status || undefined,
      cursor: query.cursor,
    });
    const view = { ...page, q, status, paged: query.cursor !== undefined };
    sendPage(res, 200, listPage(req, view, { notice: noticeFrom(SUBSCRIBER_NOTICES, query.notice) }));
  }

  // Fixed paths are declared before ':id' so they are not taken for an id.

  @Get('export.csv')
  async export(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(SubscriberFilterQuery, req.query);
    await sendSubscribersCsv(
      res,
      this.admin.exportCsv({ search: q.q?.trim() || undefined, status: q.status || undefined }),
    );
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
    await submitForm(
      res,
      async () => {
        const report = await withCsvUpload(
          req,
          'csv',
          async (upload) => {
            filename = upload.filename;
            const options = await readForm(ImportOptionsForm, upload.fields);
            return this.importer.importCsv(upload.stream, {
              mode: options.mode ?? 'subscribe',
              consent: options.consent ?? 'pending',
              sendOptIn: options.sendOptIn === 'true',
              evidence: evidence(req, importSource(upload.filename)),
            });
          },
          fields,
        );
        return { status: 200, page: importReportPage(req, report, filename) };
      },
      (refusal, err) => {
        if (err instanceof CsvImportError) return importReportPage(req, err.report, filename, err.message);
        // a file cut short may have had rows imported before the cut: say so
        const partial =
          filename && (err instanceof UploadTooLargeError || err instanceof UploadInterruptedError)
            ? ' Rows before that point may have been imported; importing the whole file again leaves them unchanged.'
            : '';
        return importFormPage(req, {
          error: messageText(refusal) + partial,
          suppress: fields.mode === 'suppress',
          consent: fields.consent === 'confirmed',
          sendOptIn: fields.sendOptIn === 'true',
        });
      },
    );
  }

  @Get(':id')
  async view(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    sendPage(res, 200, await this.detail(req, id, { notice: noticeFrom(SUBSCRIBER_NOTICES, q.notice) }));
  }

  @Post(':id/status')
  async changeStatus(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'status', async () => {
      const { status } = await readForm(StatusForm, req.body);
      await this.admin.patch(id, { status }, evidence(req, 'admin'));
      return `/admin/subscribers/${id}?notice=status-changed`;
    });
  }

  @Post(':id/name')
  async changeName(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'name', async () => {
      const name = (await readForm(NameForm, req.body)).name ?? '';
      await this.admin.patch(id, { name: name.trim() === '' ? null : name }, evidence(req, 'admin'));
      return `/admin/subscribers/${id}?notice=name-changed`;
    });
  }

  @Post(':id/erase')
  async erase(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.change(req, res, id, 'erase', async () => {
      await readForm(EraseForm, req.body);
      await this.admin.erase(id, { source: 'admin' });
      return '/admin/subscribers?notice=erased';
    });
  }

  /** Runs one change, which says where to go next (303); a refusal shows the page with it by its form. */
  private change(
    req: Request,
    res: Response,
    id: number,
    form: DetailForm,
    run: () => Promise<string>,
  ): Promise<void> {
    return submitForm(res, run, (refusal) =>
      this.detail(req, id, {
        form,
        error: messageText(refusal),
        name: form === 'name' ? typed(req, 'name') : undefined,
      }),
    );
  }

  private async detail(
    req: Request,
    id: number,
    st: DetailFormState & { notice?: string },
  ): Promise<ConsolePage> {
    return detailPage(req, await this.admin.get(id), { ...st, historyCap: HISTORY_CAP });
  }
}
