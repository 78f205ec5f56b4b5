import { Module } from '@nestjs/common';
import { SubscriberDeliveryRepository } from './subscriber-delivery.repository';
import { SubscriberEventRepository } from './subscriber-event.repository';
import { SubscriberImportRepository } from './subscriber-import.repository';
import { SubscriberSearchRepository } from './subscriber-search.repository';
import { SubscriberRepository } from './subscriber.repository';
import { SuppressionRepository } from './suppression.repository';

const REPOSITORIES = [
  SubscriberRepository,
  SubscriberEventRepository,
  SubscriberSearchRepository,
  SubscriberImportRepository,
  SubscriberDeliveryRepository,
  SuppressionRepository,
];

/** The subscriber tables' repositories, shared by every module that acts on subscribers. Needs the global DatabaseModule. */
@Module({
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class SubscriberDataModule {}
