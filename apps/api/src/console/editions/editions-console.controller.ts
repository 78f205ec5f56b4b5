import {
  DomainError,
  EditionSendService,
  type DraftImportWarning,
  EditionService,
  formatDraft,
  parseDraft,
  PreSendCheckService,
  PublicationService,
  WELCOME_LINE_MAX_LENGTH,
} from '@app/core';
import { AppConfig } from '@app/config';
import { defaultWelcomeLine } from '@app/email';
import type { EditionContent } from '@app/content';
import { JobName, JobQueue } from '@app/queue';
import {
  BadRequestException,
  ConflictException,
  Get,
  Post,
  Req,
  Res,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { TestSendDto } from '../../admin/editions/edition.dto';
import { TestSendThrottle } from '../../admin/editions/test-send-throttle';
import { Roles } from '../../auth/roles.decorator';
import { type ErrorAnswer, messageText } from '../../common/error-answer';
import { isAddress } from '../../common/is-address';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { NoticeQuery, noticeFrom, readForm, submitForm, typed } from '../console-forms';
import { type ConsolePage, consolePage } from '../console.layout';
import { readDraftForm } from './draft-upload';
import {
  DraftImportForm,
  DraftTextForm,
  EDITABLE_FIELDS,
  EditionFieldsForm,
  SendForm,
  TestSendForm,
  WelcomeLineForm,
} from './edition.forms';
import {
  checkBody,
  type DraftError,
  type EditionPageData,
  editionBody,
  editionsListBody,
  importBody,
  sendBody,
  type SendPageData,
  welcomeBody,
} from './editions.views';
import { draftFormatBody } from './draft-format.page';

/** Fixed messages for `?notice=` (free text is never reflected). */
const NOTICES: Record<string, string> = {
  imported: 'Draft imported. Check the preview and the pre-send check below.',
  saved: 'Changes saved.',
  'draft-saved': 'Draft text saved.',
  'test-queued': 'Test queued: it arrives in a minute or so, with “[TEST]” in the subject.',
  'welcome-saved': 'Welcome line saved: readers who confirm from now on get it.',
  'imported-without-images':
    'Draft imported. The document’s images were left out: an issue carries no images. Check the preview below.',
  'imported-without-footnotes':
    'Draft imported. The document’s footnotes were left out: an issue has none (write a source in the text). Check the preview below.',
  'imported-without-images-footnotes':
    'Draft imported. The document’s images and footnotes were left out: an issue carries neither. Check the preview below.',
};

/** The notice after an import: what of the document was left out, if anything (a fixed message each). */
function importNotice(warnings: DraftImportWarning[]): string {
  const left = ['images', 'footnotes'].filter((w) => warnings.some((x) => x.code === `${w}-ignored`));
  return left.length ? `imported-without-${left.join('-')}` : 'imported';
}

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

const DATETIME_LOCAL_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/;

/** A refused draft as the form shows it: the message, and where the parser stopped (details of the 400). */
function draftErrorOf(refusal: ErrorAnswer): DraftError {
  const d = refusal.details;
  return {
    message: messageText(refusal),
    line: typeof d.line === 'number' ? d.line : undefined,
    paragraph: typeof d.paragraph === 'number' ? d.paragraph : undefined,
    expected: typeof d.expected === 'string' ? d.expected : undefined,
    found: typeof d.found === 'string' ? d.found : undefined,
  };
}

/** The draft text as content; a draft the parser cannot read is refused (400) with what it said. */
function parseDraftText(text: string): EditionContent {
  try {
    return parseDraft(text);
  } catch (err) {
    if (err instanceof DomainError) throw err; // a DraftParseError: its line and what was expected
    throw new BadRequestException(`The draft cannot be read: ${(err as Error).message}`);
  }
}

/** What a person typed into the edit form, trimmed; the description is one paragraph (a textarea wraps). */
function editedFields(body: unknown): Record<string, unknown> {
  const given = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...given };
  for (const f of EDITABLE_FIELDS) {
    const v = given[f];
    if (typeof v !== 'string') continue;
    out[f] = f === 'description' ? v.trim().replace(/\s*[\r\n]+\s*/g, ' ') : v.trim();
  }
  return out;
}

/** The scheduled time from the form's datetime-local field (read as UTC), or undefined to send now. */
function sendTime(form: SendForm): string | undefined {
  const input = form.scheduledAt?.trim() ?? '';
  const mode = form.mode ?? (input ? 'schedule' : 'now');
  if (mode === 'now') {
    // Enter in the date field submits with the first button ("now"): never send at once by accident.
    if (input) {
      throw new BadRequestException(
        'You entered a date and time: press “Schedule” to send then, or clear the date to send now.',
      );
    }
    return undefined;
  }
  const m = DATETIME_LOCAL_RE.exec(input);
  const iso = m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}Z` : '';
  if (!m || Number.isNaN(Date.parse(iso))) {
    throw new BadRequestException('Enter the date and time to send at (UTC), e.g. 2025-05-01 09:00.');
  }
  return iso;
}

/** The test form's addresses, one list, checked with the API's address check and DTO. */
async function testRecipients(form: TestSendForm): Promise<string[]> {
  const to = (form.to ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (to.length === 0) throw new BadRequestException('Enter at least one address.');
  if (to.length > 10) throw new BadRequestException(`At most 10 addresses (you entered ${to.length}).`);
  const bad = to.filter((a) => !isAddress(a));
  if (bad.length) throw new BadRequestException(`Not a valid email address: ${bad.join(', ')}`);
  return (await readForm(TestSendDto, { to })).to;
}

/** Console pages under /admin/editions: list, import, edit, preview, pre-send check, test send, send. */
@ConsoleController('admin/editions')
export class EditionsConsoleController {
  constructor(
    private readonly editions: EditionService,
    private readonly preSend: PreSendCheckService,
    private readonly editionSends: EditionSendService,
    private readonly jobs: JobQueue,
    private readonly testSends: TestSendThrottle,
    private readonly publications: PublicationService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    const body = editionsListBody(req, await this.editions.list());
    sendPage(
      res,
      200,
      consolePage(req, 'Editions', body, { section: 'editions', notice: noticeFrom(NOTICES, q.notice) }),
    );
  }

  // ---- Import (declared before :id so "import" is never read as an id) ----------------------------------

  @Get('import')
  @Roles('admin', 'editor')
  importForm(@Req() req: Request, @Res() res: Response): void {
    sendPage(res, 200, this.importPage(req, { draft: '', format: 'text' }));
  }

  /** docs/draft-format.md as a page of the console, linked from the import form. */
  @Get('draft-format')
  draftFormat(@Req() req: Request, @Res() res: Response): void {
    sendPage(res, 200, consolePage(req, 'The draft format', draftFormatBody(), { section: 'editions' }));
  }

  @Post('import')
  @Roles('admin', 'editor')
  async importDraft(@Req() req: Request, @Res() res: Response): Promise<void> {
    const raw = await readDraftForm(req);
    const shown = {
      draft: raw.file ?? raw.draft,
      format: raw.format === 'markdown' ? 'markdown' : 'text',
    };
    await submitForm(
      res,
      async () => {
        const { docx: _docx, ...fields } = raw;
        const form = await readForm(DraftImportForm, fields);
        if (raw.docx) {
          // The Word document as draft text: shown in the text box if it cannot be imported as it is.
          const converted = await this.editions.convertDocument({ docx: raw.docx });
          shown.draft = converted.text;
          shown.format = 'text';
          const edition = await this.editions.importConverted(converted);
          return `/admin/editions/${edition.id}?notice=${importNotice(edition.warnings)}`;
        }
        const text = form.file ?? form.draft ?? '';
        if (text.trim() === '')
          throw new BadRequestException('Paste the draft into the text box or choose its file.');
        const edition = await this.editions.importDraft(text, form.format ?? 'text');
        return `/admin/editions/${edition.id}?notice=imported`;
      },
      (refusal) => this.importPage(req, shown, draftErrorOf(refusal)),
    );
  }

  // ---- The welcome message's line (declared before :id too) ------------------------------------------

  @Get('welcome')
  @Roles('admin', 'editor')
  async welcomeForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    sendPage(
      res,
      200,
      await this.welcomePage(
        req,
        await this.publications.welcomeLine(),
        undefined,
        noticeFrom(NOTICES, q.notice),
      ),
    );
  }

  @Post('welcome')
  @Roles('admin', 'editor')
  async saveWelcome(@Req() req: Request, @Res() res: Response): Promise<void> {
    await submitForm(
      res,
      async () => {
        const form = await readForm(WelcomeLineForm, req.body);
        await this.publications.setWelcomeLine(form.welcomeLine ?? '');
        return '/admin/editions/welcome?notice=welcome-saved';
      },
      (refusal) => this.welcomePage(req, typed(req, 'welcomeLine'), messageText(refusal)),
    );
  }

  // ---- One edition ----------------------------------------------------------------------------------

  @Get(':id')
  async page(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = await readForm(NoticeQuery, req.query);
    sendPage(res, 200, await this.editionPage(req, id, {}, noticeFrom(NOTICES, q.notice)));
  }

  @Post(':id')
  @Roles('admin', 'editor')
  async save(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const fields = editedFields(req.body);
    await submitForm(
      res,
      async () => {
        await this.editions.update(id, await readForm(EditionFieldsForm, fields));
        return `/admin/editions/${id}?notice=saved`;
      },
      (refusal) =>
        this.editionPage(req, id, {
          fieldValues: Object.fromEntries(
            EDITABLE_FIELDS.map((f) => [f, typeof fields[f] === 'string' ? fields[f] : '']),
          ),
          fieldErrors: [refusal.message].flat(),
        }),
    );
  }

  @Post(':id/draft')
  @Roles('admin', 'editor')
  async saveDraftText(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await submitForm(
      res,
      async () => {
        const text = (await readForm(DraftTextForm, req.body)).draft ?? '';
        if (text.trim() === '') throw new BadRequestException('The draft text is empty.');
        await this.editions.update(id, parseDraftText(text));
        return `/admin/editions/${id}?notice=draft-saved`;
      },
      (refusal) =>
        this.editionPage(req, id, { draftError: { err: draftErrorOf(refusal), text: typed(req, 'draft') } }),
    );
  }

  @Get(':id/preview.html')
  async previewHtml(@IdParam() id: number, @Res() res: Response): Promise<void> {
    const { html } = await this.editions.preview(id);
    sendPage(res, 200, {
      layout: 'document',
      html,
      headers: { 'Content-Security-Policy': PREVIEW_CSP, 'X-Frame-Options': 'SAMEORIGIN' },
    });
  }

  @Get(':id/check')
  async checkPage(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const [edition, check] = await Promise.all([this.editions.get(id), this.preSend.check(id)]);
    const body = checkBody(edition, check);
    sendPage(
      res,
      200,
      consolePage(req, `Pre-send check · ${edition.subject}`, body, { section: 'editions' }),
    );
  }

  @Post(':id/test')
  @Roles('admin', 'editor')
  async sendTest(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await submitForm(
      res,
      async () => {
        const to = await testRecipients(await readForm(TestSendForm, req.body));
        await this.editions.get(id); // 404 now rather than a silently dropped job
        await this.testSends.take(req.principal, to.length);
        await this.jobs.add(JobName.SendTest, { editionId: id, to });
        return `/admin/editions/${id}?notice=test-queued#test-send`;
      },
      (refusal) => this.editionPage(req, id, { testTo: typed(req, 'to'), testError: messageText(refusal) }),
    );
  }

  // ---- Send / schedule ------------------------------------------------------------------------------

  @Get(':id/send')
  @Roles('admin', 'editor')
  async sendForm(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    sendPage(res, 200, await this.sendPage(req, id, {}));
  }

  @Post(':id/send')
  @Roles('admin', 'editor')
  async send(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.editions.get(id); // 404 before anything else
    await submitForm(
      res,
      async () => {
        const form = await readForm(SendForm, req.body);
        const scheduledAt = sendTime(form);
        // The editor confirmed a number; if the audience moved since, they confirm the new one.
        const expected = Number(form.expectedRecipients);
        const count = await this.preSend.confirmedRecipients();
        if (count !== expected) {
          throw new ConflictException({ message: 'The number of recipients changed', staleCount: expected });
        }
        if (scheduledAt === undefined && count === 0) {
          throw new UnprocessableEntityException(
            'Nobody is confirmed yet: sending now would use up this edition on no one. Schedule it for later instead.',
          );
        }
        const campaign = await this.editionSends.send(id, {
          ...(scheduledAt !== undefined ? { scheduledAt } : {}),
          overrideFailedChecks: form.overrideFailedChecks === 'yes',
          ...(req.principal?.userId !== undefined ? { by: req.principal.userId } : {}),
        });
        return `/admin/campaigns/${campaign.id}`;
      },
      (refusal) => {
        const stale = refusal.details.staleCount;
        return this.sendPage(req, id, {
          scheduledAt: typed(req, 'scheduledAt').trim(),
          ...(typeof stale === 'number' ? { staleCount: stale } : { error: messageText(refusal) }),
        });
      },
    );
  }

  // ---- The pages ------------------------------------------------------------------------------------

  private async welcomePage(
    req: Request,
    line: string,
    error?: string,
    notice?: string,
  ): Promise<ConsolePage> {
    const pub = await this.publications.current();
    const body = welcomeBody(req, {
      publicationName: pub.name,
      line,
      defaultWithIssue: defaultWelcomeLine(pub.name, true),
      defaultWithoutIssue: defaultWelcomeLine(pub.name, false),
      enabled: this.config.env.WELCOME_ISSUE,
      maxLength: WELCOME_LINE_MAX_LENGTH,
      ...(error !== undefined ? { error } : {}),
    });
    return consolePage(req, 'Welcome message', body, { section: 'editions', notice });
  }

  private importPage(req: Request, values: { draft: string; format: string }, err?: DraftError): ConsolePage {
    return consolePage(req, 'Import a draft', importBody(req, values, err), {
      section: 'editions',
      scripts: ['editions.js'],
    });
  }

  /** The edition with its preview, pre-send check and forms (`d`: what a refused form shows again). */
  private async editionPage(
    req: Request,
    id: number,
    d: Omit<EditionPageData, 'edition' | 'preview' | 'check' | 'draftText'>,
    notice?: string,
  ): Promise<ConsolePage> {
    const [edition, preview, check] = await Promise.all([
      this.editions.get(id),
      this.editions.preview(id),
      this.preSend.check(id),
    ]);
    let draftText: string | null = null;
    let draftTextProblem: string | undefined;
    try {
      draftText = formatDraft(edition.content);
    } catch (err) {
      draftTextProblem = `${(err as Error).message}. Fix the fields above first.`;
    }
    const body = editionBody(req, { ...d, edition, preview, check, draftText, draftTextProblem });
    return consolePage(req, edition.subject, body, { section: 'editions', notice, scripts: ['editions.js'] });
  }

  private async sendPage(
    req: Request,
    id: number,
    d: Omit<SendPageData, 'edition' | 'check'>,
  ): Promise<ConsolePage> {
    const [edition, check] = await Promise.all([this.editions.get(id), this.preSend.check(id)]);
    return consolePage(req, `Send · ${edition.subject}`, sendBody(req, { ...d, edition, check }), {
      section: 'editions',
      scripts: ['editions.js'],
    });
  }
}
