import { Module } from '@nestjs/common';
import { BounceService } from './bounce.service';
import { SubscriberDataModule } from './subscriber-data.module';

/**
 * What bounces and complaints do to subscribers, for the campaign sender and the bounce webhook. Apart from
 * SubscriptionsModule so that a process that sends campaigns needs no mailer or send-rate limiter for it.
 */
@Module({
  imports: [SubscriberDataModule],
  providers: [BounceService],
  exports: [BounceService],
})
export class BounceModule {}
