import { SubscriberAdminService, SubscriberImportService } from '@app/core';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { evidence } from '../../subscriptions/request-evidence';
import {
  ImportQueryDto,
  ImportReportDto,
  ListSubscribersQueryDto,
  PatchSubscriberDto,
  SubscriberDetailDto,
  SubscriberDto,
  SubscriberFilterQueryDto,
  SubscriberPageDto,
} from './subscriber.dto';
import { sendSubscribersCsv } from '../../common/csv-download';
import { IdParam } from '../../common/parse-id.pipe';

@ApiTags('subscribers')
@ApiBearerAuth()
@Controller('api/admin/subscribers')
@UseGuards(AdminAuthGuard)
export class SubscribersAdminController {
  constructor(
    private readonly admin: SubscriberAdminService,
    private readonly importer: SubscriberImportService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List subscribers, newest first (keyset pagination with nextCursor)' })
  @ApiOkResponse({ type: SubscriberPageDto })
  async list(@Query() q: ListSubscribersQueryDto): Promise<SubscriberPageDto> {
    const page = await this.admin.list(q);
    return { items: page.items.map((s) => SubscriberDto.from(s)), nextCursor: page.nextCursor };
  }

  // Declared before ':id' so "export" is not taken for an id.
  @Get('export')
  @ApiOperation({ summary: 'Export subscribers as CSV (streamed)' })
  async export(@Query() q: SubscriberFilterQueryDto, @Res() res: Response): Promise<void> {
    await sendSubscribersCsv(res, this.admin.exportCsv(q));
  }

  @Post('import')
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiOperation({
    summary: 'Import a CSV (email,name header; other columns ignored), streamed',
    description:
      'Rows that fail validation are reported by line and reason; the rest are imported. Existing subscribers ' +
      'are left unchanged, so re-importing a file changes nothing. Addresses on the suppression list (erased ' +
      'on request, or suppressed by an import) are refused. mode=suppress blocks the addresses instead: ' +
      'subscribers become unsubscribed (event source "import"), unknown addresses go on the suppression list.',
  })
  @ApiOkResponse({ type: ImportReportDto })
  async import(@Query() q: ImportQueryDto, @Req() req: Request): Promise<ImportReportDto> {
    // Only text/csv reaches here unread: the body parsers handle json, urlencoded and text/plain only.
    if (!req.is(['text/csv', 'application/csv'])) {
      throw new UnsupportedMediaTypeException('Send the CSV as the request body with Content-Type: text/csv');
    }
    return this.importer.importCsv(req, {
      mode: q.mode ?? 'subscribe',
      consent: q.consent ?? 'pending',
      sendOptIn: q.sendOptIn === 'true',
      evidence: evidence(req, 'import'),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscriber with consent evidence and history' })
  @ApiOkResponse({ type: SubscriberDetailDto })
  async get(@IdParam() id: number): Promise<SubscriberDetailDto> {
    const { subscriber, events } = await this.admin.get(id);
    return SubscriberDetailDto.detail(subscriber, events);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name and/or status' })
  @ApiOkResponse({ type: SubscriberDto })
  async patch(
    @IdParam() id: number,
    @Body() dto: PatchSubscriberDto,
    @Req() req: Request,
  ): Promise<SubscriberDto> {
    const s = await this.admin.patch(id, dto, evidence(req, 'admin'));
    return SubscriberDto.from(s);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase the subscriber (personal data removed; address kept only as a keyed hash)',
  })
  async erase(@IdParam() id: number): Promise<void> {
    await this.admin.erase(id, { source: 'admin' });
  }
}
