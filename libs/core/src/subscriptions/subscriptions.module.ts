import { Module } from '@nestjs/common';
import { VerpModule } from '../feedback/verp.module';
import { PublicationModule } from '../publication/publication.module';
import { SendRateModule } from '../send-rate/send-rate.module';
import { TokenService } from '../tokens/token.service';
import { BlockedDomains } from './blocked-domains';
import { ConfirmationBudget } from './confirmation-budget';
import { ConfirmationMailer } from './confirmation-mail.service';
import { SubscriberAdminService } from './subscriber-admin.service';
import { SubscriberDataModule } from './subscriber-data.module';
import { SubscriberImportService } from './subscriber-import.service';
import { SubscriberLinks } from './subscriber-links';
import { SubscriptionService } from './subscription.service';
import { SuppressionList } from './suppression-list.service';

const SERVICES = [
  TokenService,
  SubscriberLinks,
  SuppressionList,
  BlockedDomains,
  SubscriptionService,
  ConfirmationMailer,
  ConfirmationBudget,
  SubscriberAdminService,
  SubscriberImportService,
];

/**
 * The subscriber lifecycle. Needs the global DatabaseModule, ConfigModule, QueueModule (JobQueue) and
 * MailerModule (MAIL_TRANSPORT, used by ConfirmationMailer in the worker) from the app module.
 */
@Module({
  // SendRateModule: confirmations share the global send rate with every other message.
  // PublicationModule: a confirmation speaks for the publication (its name, its sender).
  // VerpModule: a confirmation's envelope sender names it, so its bounce finds the subscriber.
  imports: [SubscriberDataModule, PublicationModule, SendRateModule, VerpModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class SubscriptionsModule {}
