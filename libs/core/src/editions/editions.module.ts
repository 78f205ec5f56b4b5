import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { SendRateModule } from '../send-rate/send-rate.module';
import { EditionService } from './edition.service';
import { PreSendCheckService } from './pre-send-check.service';

/**
 * Editions: draft import, edits, preview, test sends, archive. Needs the root TypeORM connection, AppConfig
 * and MailerModule (MAIL_TRANSPORT) from the app module.
 */
@Module({
  // CampaignsModule: the pre-send check builds the message with the campaign's own factory.
  // SendRateModule: test sends share the global send rate with every other message.
  imports: [CampaignsModule, SendRateModule],
  providers: [EditionService, PreSendCheckService],
  exports: [EditionService, PreSendCheckService],
})
export class EditionsModule {}
