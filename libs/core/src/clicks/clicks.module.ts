import { Module } from '@nestjs/common';
import { TokenService } from '../tokens/token.service';
import { ClickTracker } from './click-tracker.service';
import { ClickRepository } from './click.repository';
import { ReportRepository } from './report.repository';
import { ReportService } from './report.service';

/**
 * Click tracking and the reports (issue 15), for the API: the redirect's ClickTracker (one per process: it
 * holds the click buffer) and ReportService. Needs the global ConfigModule and DatabaseModule.
 */
@Module({
  providers: [ClickTracker, ClickRepository, ReportRepository, ReportService, TokenService],
  exports: [ClickTracker, ReportService],
})
export class ClicksModule {}
