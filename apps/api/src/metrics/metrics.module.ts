import { SubscriptionsModule } from '@app/core';
import { LedgerMetricsRepository } from '@app/core/metrics';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ApiMetrics } from './api-metrics.service';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';

@Module({
  // SubscriptionsModule: the confirmation budgets' backlog (newsletter_confirmations_delayed).
  imports: [SubscriptionsModule],
  controllers: [MetricsController],
  providers: [ApiMetrics, LedgerMetricsRepository],
  exports: [ApiMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
