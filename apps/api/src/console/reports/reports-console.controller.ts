import { ReportService } from '@app/core';
import { Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IdParam } from '../../common/parse-id.pipe';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { consolePage } from '../console.layout';
import { campaignReportBody, reportsBody } from './reports.pages';

/** The reports (issue 15): a campaign's report, and one line per issue with list growth. Every role reads them. */
@ConsoleController('admin')
export class ReportsConsoleController {
  constructor(private readonly reports: ReportService) {}

  @Get('campaigns/:id/report')
  async campaign(@IdParam() id: number, @Req() req: Request, @Res() res: Response): Promise<void> {
    const report = await this.reports.campaignReport(id);
    sendPage(
      res,
      200,
      consolePage(req, `Report: ${report.campaign.subject}`, campaignReportBody(report), {
        section: 'reports',
      }),
    );
  }

  @Get('reports')
  async overview(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendPage(
      res,
      200,
      consolePage(req, 'Reports', reportsBody(await this.reports.overview()), { section: 'reports' }),
    );
  }
}
