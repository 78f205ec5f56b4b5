import { EditionService, type PreSendCheck, PreSendCheckService, PublicationService } from '@app/core';
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
  EditionContentDto,
  EditionSummaryDto,
  EditionViewDto,
  TestSendDto,
  UpdateEditionDto,
} from './edition.dto';
import { TestSendThrottle, TEST_SEND_RECIPIENTS_PER_WINDOW } from './test-send-throttle';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';

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
      "Import the editors' draft (text/plain, see docs/draft-format.md) or its Markdown form (text/markdown)",
    description:
      "Replaces that month's draft if there is one; a scheduled or sent edition is never overwritten.",
  })
  @ApiConsumes('text/plain', 'text/markdown')
  @ApiBody({ schema: { type: 'string' } })
  @ApiResponse({ status: 201, type: EditionViewDto })
  @ApiResponse({
    status: 400,
    description: 'The draft cannot be parsed: `line` and `expected` say where and what',
  })
  @ApiResponse({ status: 409, description: "That month's edition is no longer a draft" })
  importDraft(@Req() req: Request, @Body() body: unknown): Promise<EditionViewDto> {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new BadRequestException('Send the draft as a text/plain (or text/markdown) body');
    }
    return this.editions.importDraft(body, req.is('text/markdown') ? 'markdown' : 'text');
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
