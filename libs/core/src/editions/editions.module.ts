import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { PublicationModule } from '../publication/publication.module';
import { SendRateModule } from '../send-rate/send-rate.module';
import { SubscriberDataModule } from '../subscriptions/subscriber-data.module';
import { SubscriberLinks } from '../subscriptions/subscriber-links';
import { TokenService } from '../tokens/token.service';
import { EditionRepository } from './edition.repository';
import { EditionSendService } from './edition-send.service';
import { EditionService } from './edition.service';
import { PreSendCheckService } from './pre-send-check.service';

/**
 * Editions: draft import, edits, preview, test sends, archive. Needs the global DatabaseModule,
 * ConfigModule and MailerModule (MAIL_TRANSPORT) from the app module.
 */
@Module({
  // CampaignsModule: the pre-send check builds the message with the campaign's own factory.
  // SendRateModule: test sends share the global send rate with every other message.
  // PublicationModule: a draft must name a publication; the footer's sender identity.
  // SubscriberDataModule: the pre-send check counts the confirmed subscribers.
  imports: [CampaignsModule, SendRateModule, PublicationModule, SubscriberDataModule],
  providers: [
    EditionRepository,
    EditionService,
    PreSendCheckService,
    EditionSendService,
    // Test sends: the preview link of the edition and the test-message links.
    SubscriberLinks,
    TokenService,
  ],
  exports: [EditionService, PreSendCheckService, EditionSendService],
})
export class EditionsModule {}
