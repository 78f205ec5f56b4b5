import { ClicksModule } from '@app/core';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ReportsController } from '../admin/reports/reports.controller';
import { LinkRedirectController } from './link-redirect.controller';

@Module({
  imports: [ClicksModule, MetricsModule],
  controllers: [LinkRedirectController, ReportsController],
})
export class ClicksHttpModule {}
