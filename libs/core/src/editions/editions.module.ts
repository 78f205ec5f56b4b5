import { Module } from '@nestjs/common';
import { EditionService } from './edition.service';

/**
 * Editions: draft import, edits, preview, test sends, archive. Needs the root TypeORM connection, AppConfig
 * and MailerModule (MAIL_TRANSPORT) from the app module.
 */
@Module({
  providers: [EditionService],
  exports: [EditionService],
})
export class EditionsModule {}
