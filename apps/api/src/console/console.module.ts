import {
  CampaignsModule,
  ClicksModule,
  EditionsModule,
  FeedbackReportModule,
  PublicationModule,
  SubscriptionsModule,
} from '@app/core';
import { Module } from '@nestjs/common';
import { TestSendThrottle } from '../admin/editions/test-send-throttle';
import { UsersConsoleController } from './accounts/users-console.controller';
import { TokensConsoleController } from './accounts/tokens-console.controller';
import { TwoFactorConsoleController } from './accounts/two-factor-console.controller';
import { CampaignsConsoleController } from './campaigns/campaigns-console.controller';
import { ConsoleHomeController } from './campaigns/console-home.controller';
import { EditionsConsoleController } from './editions/editions-console.controller';
import { FeedbackConsoleController } from './feedback/feedback-console.controller';
import { ReportsConsoleController } from './reports/reports-console.controller';
import { SubscribersConsoleController } from './subscribers/subscribers-console.controller';

/**
 * The editors' and operators' console under /admin: server-rendered pages over the same domain services as
 * the admin API, behind the same AdminAuthGuard (session cookie + CSRF). No client build step: the few
 * scripts are plain files in apps/api/assets, served by AssetsController (pages/).
 */
@Module({
  imports: [
    ClicksModule,
    EditionsModule,
    CampaignsModule,
    SubscriptionsModule,
    FeedbackReportModule,
    PublicationModule,
  ],
  controllers: [
    ConsoleHomeController,
    EditionsConsoleController,
    CampaignsConsoleController,
    SubscribersConsoleController,
    FeedbackConsoleController,
    ReportsConsoleController,
    UsersConsoleController,
    TokensConsoleController,
    TwoFactorConsoleController,
  ],
  providers: [TestSendThrottle],
})
export class ConsoleModule {}
