import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WorkerMetricsService } from './worker-metrics.service';

/** Import into the worker app: serves that process's /metrics (see WorkerMetricsService). */
@Module({
  imports: [DiscoveryModule],
  providers: [WorkerMetricsService],
  exports: [WorkerMetricsService],
})
export class WorkerMetricsModule {}
