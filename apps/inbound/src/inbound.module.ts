import { AppConfig, ConfigModule } from '@app/config';
import { FeedbackModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { InboundSmtpServer } from './inbound-smtp.server';
import { InboundSweeper } from './inbound-sweeper';

/**
 * The inbound mail process: an SMTP server for the service's own addresses (VERP bounces, mailto unsubscribes,
 * postmaster/abuse/feedback) that stores each message in PostgreSQL before answering 250, and a sweep that
 * enqueues the processing job of any message whose job was never added. No HTTP; the worker processes the jobs.
 */
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.env.LOG_LEVEL } }),
    }),
    DatabaseModule,
    QueueModule,
    FeedbackModule,
  ],
  providers: [InboundSmtpServer, InboundSweeper],
})
export class InboundModule {}
