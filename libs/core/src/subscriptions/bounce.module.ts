import { Module } from '@nestjs/common';
import { FeedbackModule } from '../feedback/feedback.module';
import { BounceService } from './bounce.service';
import { SubscriberDataModule } from './subscriber-data.module';

/**
 * What bounces and complaints do to subscribers, for the campaign sender and the bounce webhook. Apart from
 * SubscriptionsModule so that a process that sends campaigns needs no mailer or send-rate limiter for it.
 * FeedbackModule: BounceService hands every report to FeedbackService (one set of rules).
 */
@Module({
  imports: [SubscriberDataModule, FeedbackModule],
  providers: [BounceService],
  exports: [BounceService],
})
export class BounceModule {}
