import {
  DOCX_CONTENT_TYPE,
  type DraftDocument,
  EditionService,
  type PreSendCheck,
  PreSendCheckService,
  PublicationService,
} from '@app/core';
import { JobName, JobQueue } from '@app/queue';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Patch,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import {
  ConvertedDraftDto,
  EditionContentDto,
  EditionSummaryDto,
  EditionViewDto,
  ImportedEditionDto,
  TestSendDto,
  UpdateEditionDto,
} from './edition.dto';
import { readDocxBody } from './docx-body';
import { TestSendThrottle, TEST_SEND_RECIPIENTS_PER_WINDOW } from './test-send-throttle';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';

/** The body as a Word document or HTML, when it is one; undefined for a text draft. */
async function documentOf(req: Request, body: unknown): Promise<DraftDocument | undefined> {
  if (req.is(DOCX_CONTENT_TYPE)) {
    const docx = await readDocxBody(req);
    if (docx.length === 0) throw new BadRequestException('The Word document is empty');
    return { docx };
  }
  if (req.is('text/html')) {
    if (typeof body !== 'string' || body.trim() === '') throw new BadRequestException('The HTML is empty');
    return { html: body };
  }
  return undefined;
}

/** Editions: the editors' draft import, structured edits, preview and test sends. */
@ApiTags('editions')
@ApiBearerAuth()
@Controller('api/admin/editions')
@UseGuards(AdminAuthGuard)
export class EditionsController {
  constructor(
    private readonly editions: EditionService,
    private readonly jobs: JobQueue,
    private readonly preSend: PreSendCheckService,
    private readonly testSends: TestSendThrottle,
    private readonly publication: PublicationService,
  ) {}

  @Post('import')
  @ApiOperation({
    summary:
      "Import the editors' draft: text/plain (see docs/draft-format.md), its Markdown form (text/markdown), the Word document itself (.docx) or HTML pasted from Word or Google Docs (text/html)",
    description:
      "Replaces that month's draft if there is one; a scheduled or sent edition is never overwritten. A Word " +
      'document or HTML is read as draft text, one line per paragraph, hyperlinks kept (bold and italic are not ' +
      'part of the format); its images and footnotes are left out and named in `warnings`, a table is refused.',
  })
  @ApiConsumes('text/plain', 'text/markdown', DOCX_CONTENT_TYPE, 'text/html')
  @ApiBody({ schema: { type: 'string' } })
  @ApiResponse({ status: 201, type: EditionViewDto })
  @ApiResponse({
    status: 400,
    description:
      'The draft cannot be parsed: `line` and `expected` say where and what (and `paragraph` for a Word document or HTML); or the file is not a .docx, or holds a table',
  })
  @ApiResponse({ status: 409, description: "That month's edition is no longer a draft" })
  @ApiResponse({ status: 413, description: 'Over 1 MB of text or HTML, or a Word document over 10 MB' })
  async importDraft(
    @Req() req: Request,
    @Body() body: unknown,
  ): Promise<EditionViewDto | ImportedEditionDto> {
    const doc = await documentOf(req, body);
    if (doc) return this.editions.importDocument(doc);
    if (typeof body !== 'string' || body.trim() === '') {
      throw new BadRequestException(
        `Send the draft as a text/plain (or text/markdown) body, or the Word document as ${DOCX_CONTENT_TYPE}`,
      );
    }
    return this.editions.importDraft(body, req.is('text/markdown') ? 'markdown' : 'text');
  }

  @Post('convert')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The draft text of a Word document (.docx) or of HTML pasted from Word or Google Docs (nothing saved)',
    description:
      'What `import` would read: the console puts it in its paste box, so the editor sees and can correct the text before importing it.',
  })
  @ApiConsumes(DOCX_CONTENT_TYPE, 'text/html')
  @ApiBody({ schema: { type: 'string' } })
  @ApiResponse({ status: 200, type: ConvertedDraftDto })
  @ApiResponse({ status: 400, description: 'Not a .docx, a document with a table, or an empty body' })
  async convert(@Req() req: Request, @Body() body: unknown): Promise<ConvertedDraftDto> {
    const doc = await documentOf(req, body);
    if (!doc) throw new BadRequestException(`Send the document as ${DOCX_CONTENT_TYPE} or text/html`);
    const { text, warnings } = await this.editions.convertDocument(doc);
    return { draft: text, warnings };
  }

  @Post()
  @ApiOperation({ summary: "Create the month's draft from structured content (replaces that month's draft)" })
  @ApiResponse({ status: 201, type: EditionViewDto })
  @ApiResponse({ status: 409, description: "That month's edition is no longer a draft" })
  create(@Body() dto: EditionContentDto): Promise<EditionViewDto> {
    return this.editions.saveDraft(dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a draft (any subset of the content fields)' })
  @ApiResponse({ status: 200, type: EditionViewDto })
  @ApiResponse({ status: 409, description: 'The edition is not a draft, or the new month is taken' })
  update(@IdParam() id: number, @Body() dto: UpdateEditionDto): Promise<EditionViewDto> {
    return this.editions.update(id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'All editions, newest month first' })
  @ApiResponse({ status: 200, type: [EditionSummaryDto] })
  list(): Promise<EditionSummaryDto[]> {
    return this.editions.list();
  }

  @Get(':id')
  @ApiResponse({ status: 200, type: EditionViewDto })
  get(@IdParam() id: number): Promise<EditionViewDto> {
    return this.editions.get(id);
  }

  @Get(':id/export.md')
  @ApiOperation({ summary: 'The edition as Markdown (importable again with Content-Type: text/markdown)' })
  async exportMarkdown(@IdParam() id: number, @Res() res: Response): Promise<void> {
    // Structured edits may hold what the draft format cannot express: a 422 saying which field (a domain error)
    const { slug, markdown } = await this.editions.exportMarkdown(id);
    const publication = await this.publication.current();
    res
      .type('text/markdown; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="${publication.slug}-${slug}.md"`)
      .send(markdown);
  }

  @Get(':id/preview.html')
  @ApiOperation({ summary: 'The HTML a reader gets, with sample unsubscribe/preferences links' })
  async previewHtml(@IdParam() id: number, @Res() res: Response): Promise<void> {
    sendPage(res, 200, { layout: 'document', html: (await this.editions.preview(id)).html });
  }

  @Get(':id/preview.txt')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'The plain-text part a reader gets, with sample links' })
  async previewText(@IdParam() id: number): Promise<string> {
    return (await this.editions.preview(id)).text;
  }

  @Get(':id/check')
  @ApiOperation({
    summary:
      'Pre-send check: the message as a campaign would send it (size, headers, links, DKIM, recipients)',
  })
  check(@IdParam() id: number): Promise<PreSendCheck> {
    return this.preSend.check(id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send the edition to 1-10 addresses with "[TEST]" in the subject (through the worker)',
  })
  @ApiResponse({ status: 202, description: 'Queued' })
  @ApiResponse({
    status: 429,
    description: `Over ${TEST_SEND_RECIPIENTS_PER_WINDOW} test recipients a minute for this user (see Retry-After)`,
  })
  async sendTest(
    @IdParam() id: number,
    @Body() dto: TestSendDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<{ queued: true; editionId: number; to: string[] }> {
    await this.editions.get(id); // 404 now rather than a silently dropped job
    await this.testSends.take(principal, dto.to.length);
    await this.jobs.add(JobName.SendTest, { editionId: id, to: dto.to });
    return { queued: true, editionId: id, to: dto.to };
  }
}
