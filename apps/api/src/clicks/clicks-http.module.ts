import { ClicksModule } from '@app/core';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { LinkRedirectController } from './link-redirect.controller';

@Module({
  imports: [ClicksModule, MetricsModule],
  controllers: [LinkRedirectController],
})
export class ClicksHttpModule {}
