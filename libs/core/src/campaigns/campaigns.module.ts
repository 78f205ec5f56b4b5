import { Module } from '@nestjs/common';
import { VerpModule } from '../feedback/verp.module';
import { BounceModule } from '../subscriptions/bounce.module';
import { SubscriberLinks } from '../subscriptions/subscriber-links';
import { TokenService } from '../tokens/token.service';
import { CampaignEditionRepository } from './campaign-edition.repository';
import { CampaignMessageFactory } from './campaign-message.factory';
import { CampaignRepository } from './campaign.repository';
import { CampaignRunner } from './campaign-runner.service';
import { CampaignScheduler } from './campaign-scheduler.service';
import { CampaignService } from './campaign.service';
import { DeliveryRepository } from './delivery.repository';

const REPOSITORIES = [CampaignRepository, DeliveryRepository, CampaignEditionRepository];

/**
 * Campaign services for any process (the API uses CampaignService and BounceService). Needs the global
 * ConfigModule, DatabaseModule, QueueModule and (for sending) MailerModule. What only workers run is
 * CampaignWorkerModule (./sending), which builds on this one; nothing here depends on it.
 */
@Module({
  // VerpModule: every campaign message's envelope sender and List-Unsubscribe mailto are signed VERP addresses.
  imports: [BounceModule, VerpModule],
  providers: [
    ...REPOSITORIES,
    CampaignService,
    CampaignRunner,
    CampaignScheduler,
    CampaignMessageFactory,
    SubscriberLinks,
    TokenService,
  ],
  exports: [
    ...REPOSITORIES,
    CampaignService,
    CampaignRunner,
    CampaignScheduler,
    CampaignMessageFactory,
    BounceModule,
  ],
})
export class CampaignsModule {}
