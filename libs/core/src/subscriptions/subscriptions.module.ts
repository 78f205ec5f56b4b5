import { Publication, Subscriber, SubscriberEvent, Suppression } from '@app/database';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SendRateModule } from '../send-rate/send-rate.module';
import { TokenService } from '../tokens/token.service';
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
  SubscriptionService,
  ConfirmationMailer,
  SubscriberAdminService,
  SubscriberImportService,
];

/**
 * The subscriber lifecycle. Needs the root TypeORM connection, AppConfig, the global QueueModule (JobQueue)
 * and MailerModule (MAIL_TRANSPORT, used by ConfirmationMailer in the worker) from the app module.
 */
@Module({
  // SendRateModule: confirmations share the global send rate with every other message.
  imports: [
    TypeOrmModule.forFeature([Subscriber, SubscriberEvent, Suppression, Publication]),
    SubscriberDataModule,
    SendRateModule,
  ],
  providers: SERVICES,
  exports: SERVICES,
})
export class SubscriptionsModule {}
