import {
  campaignReportCsv,
  type CampaignReport,
  ReportService,
  reportsOverviewCsv,
  type ReportsOverview,
} from '@app/core';
import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { IdParam } from '../../common/parse-id.pipe';

function sendCsv(res: Response, name: string, body: string): void {
  res
    .status(200)
    .setHeader('Content-Type', 'text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${name}"`)
    .setHeader('Cache-Control', 'no-store')
    .send(body);
}

/** What each issue did after the send (issue 15): the campaign report and the overview, as JSON and CSV. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/admin')
@UseGuards(AdminAuthGuard)
export class ReportsController {
  constructor(private readonly reports: ReportService) {}

  @Get('campaigns/:id/report')
  @ApiOperation({
    summary: 'A campaign report',
    description:
      'Sent, delivered, bounced (at send and later), complaints and unsubscribes (count, basis = delivered, ' +
      'rate), human clicks per link (total, estimated unique), machine clicks, and hours 0-71 after the send.',
  })
  @ApiResponse({ status: 404, description: 'No such campaign' })
  campaign(@IdParam() id: number): Promise<CampaignReport> {
    return this.reports.campaignReport(id);
  }

  @Get('campaigns/:id/report.csv')
  @ApiOperation({ summary: 'A campaign report as CSV' })
  async campaignCsv(@IdParam() id: number, @Res() res: Response): Promise<void> {
    const report = await this.reports.campaignReport(id);
    sendCsv(res, `campaign-${id}-report.csv`, campaignReportCsv(report));
  }

  @Get('reports')
  @ApiOperation({ summary: 'One line per issue with the same rates, and list growth by month' })
  overview(): Promise<ReportsOverview> {
    return this.reports.overview();
  }

  @Get('reports.csv')
  @ApiOperation({ summary: 'The reports overview as CSV' })
  async overviewCsv(@Res() res: Response): Promise<void> {
    sendCsv(res, 'reports.csv', reportsOverviewCsv(await this.reports.overview()));
  }
}
