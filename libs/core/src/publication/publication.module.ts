import { Module } from '@nestjs/common';
import { PublicationRepository } from './publication.repository';
import { PublicationService } from './publication.service';

/**
 * The publication (name, description, sender), for pages, confirmations and drafts. A module is instantiated
 * once per application however many modules import it, so the process keeps one cached copy. Needs the global
 * ConfigModule and DatabaseModule.
 */
@Module({
  providers: [PublicationRepository, PublicationService],
  exports: [PublicationService],
})
export class PublicationModule {}
