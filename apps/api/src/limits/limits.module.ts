import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { LimitMetrics } from './limit-metrics';
import { LimitStore } from './limit-store';
import { SharedThrottlerStorage } from './shared-throttler.storage';

/** The counters shared by every API instance through Redis (see LimitStore). */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [LimitStore, LimitMetrics, SharedThrottlerStorage],
  exports: [LimitStore, LimitMetrics, SharedThrottlerStorage],
})
export class LimitsModule {}
