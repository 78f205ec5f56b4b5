import { AppConfig, ConfigModule } from '@app/config';
import { CampaignWorkerModule, EditionsModule, FeedbackModule, SubscriptionsModule } from '@app/core';
import { WorkerMetricsModule } from '@app/core/metrics';
import { DatabaseModule } from '@app/database';
import { MailerModule } from '@app/mailer';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CampaignProcessor } from './campaign.processor';
import { DeliveryProcessor } from './delivery.processor';
import { InboundProcessor } from './inbound.processor';
import { MailProcessor } from './mail.processor';
import { WorkerBootCheck } from './worker-boot.check';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.env.LOG_LEVEL } }),
    }),
    DatabaseModule,
    QueueModule,
    MailerModule,
    SubscriptionsModule,
    WorkerMetricsModule,
    CampaignWorkerModule,
    EditionsModule,
    FeedbackModule,
  ],
  providers: [MailProcessor, CampaignProcessor, DeliveryProcessor, InboundProcessor, WorkerBootCheck],
})
export class WorkerModule {}
