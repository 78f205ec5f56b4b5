import { Module } from '@nestjs/common';
import { SubscriberDataModule } from '../subscriptions/subscriber-data.module';
import { FeedbackService } from './feedback.service';
import { InboundIntake } from './inbound-intake.service';
import { InboundMessageRepository } from './inbound-message.repository';
import { InboundProcessingService } from './inbound-processing.service';
import { MailFeedbackRepository } from './mail-feedback.repository';
import { VerpAddresses } from './verp';

const PROVIDERS = [
  VerpAddresses,
  FeedbackService,
  MailFeedbackRepository,
  InboundMessageRepository,
  InboundIntake,
  InboundProcessingService,
];

/**
 * What comes back from the mail world: storing inbound mail, processing it, and acting on bounces, complaints
 * and unsubscribes from any source. Needs the global DatabaseModule, ConfigModule and QueueModule.
 */
@Module({
  imports: [SubscriberDataModule],
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class FeedbackModule {}
