import { ConfigModule, AppConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MailerModule } from '@app/mailer';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import { ClicksHttpModule } from './clicks/clicks-http.module';
import { isTrackedLinkPath, LINK_THROTTLER } from './clicks/link-redirect.controller';
import { LoggerModule } from 'nestjs-pino';
import { loggerOptions } from './logger.options';
import { LimitsModule } from './limits/limits.module';
import { SharedThrottlerStorage } from './limits/shared-throttler.storage';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpsModule } from './ops/ops.module';
import { AdminCampaignsModule } from './admin/campaigns/admin-campaigns.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { SubscriptionsHttpModule } from './subscriptions/subscriptions-http.module';
import { AdminEditionsModule } from './admin/editions/admin-editions.module';
import { ArchiveModule } from './archive/archive.module';
import { ConsoleModule } from './console/console.module';
import { PagesModule } from './pages/pages.module';

/**
 * Public (reader) controllers opt in to rate limiting with @UseGuards(ThrottlerGuard); the counts are kept in
 * Redis (SharedThrottlerStorage).
 */
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerOptions }),
    LimitsModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, SharedThrottlerStorage],
      useFactory: (config: AppConfig, storage: SharedThrottlerStorage) => ({
        throttlers: [
          { name: 'default', ttl: config.env.THROTTLE_TTL_MS, limit: config.env.THROTTLE_LIMIT },
          // Tracked links (issue 15): a generous allowance per client address, on those routes only.
          {
            name: LINK_THROTTLER,
            ttl: 10_000,
            limit: config.env.CLICK_RATE_LIMIT,
            skipIf: (ctx) => !isTrackedLinkPath(ctx.switchToHttp().getRequest<Request>().path),
          },
        ],
        // in Redis: the limits hold across every API instance (and fail open while Redis is away)
        storage,
      }),
    }),
    DatabaseModule,
    QueueModule,
    MailerModule,
    AuthModule,
    MetricsModule,
    HealthModule,
    OpsModule,
    AdminCampaignsModule,
    WebhooksModule,
    SubscriptionsHttpModule,
    AdminEditionsModule,
    ArchiveModule,
    ClicksHttpModule,
    ConsoleModule,
    PagesModule,
  ],
})
export class AppModule {}
