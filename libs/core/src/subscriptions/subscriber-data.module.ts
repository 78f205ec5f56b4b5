import { Module } from '@nestjs/common';
import { SubscriberEventRepository } from './subscriber-event.repository';
import { SubscriberRepository } from './subscriber.repository';

const REPOSITORIES = [SubscriberRepository, SubscriberEventRepository];

/** The subscriber tables' repositories, shared by every module that acts on subscribers. Needs the global DatabaseModule. */
@Module({
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class SubscriberDataModule {}
