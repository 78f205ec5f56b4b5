import { Module } from '@nestjs/common';
import { BounceModule } from '../subscriptions/bounce.module';
import { CampaignMessageFactory } from '../deliveries/campaign-message.factory';
import { DeliveryService } from '../deliveries/delivery.service';
import { SendRateModule } from '../deliveries/send-rate.module';
import { WorkerRegistry } from '../deliveries/worker-registry.service';
import { SubscriberLinks } from '../subscriptions/subscriber-links';
import { TokenService } from '../tokens/token.service';
import { CampaignLedger } from './campaign-ledger.service';
import { CampaignRunner } from './campaign-runner.service';
import { CampaignSupervisor } from './campaign-supervisor.service';
import { CampaignService } from './campaign.service';

/**
 * Campaign services for any process (the API uses CampaignService and BounceService). Needs the global
 * ConfigModule, TypeORM data source, QueueModule and (for sending) MailerModule.
 */
@Module({
  imports: [BounceModule],
  providers: [
    CampaignService,
    CampaignRunner,
    CampaignLedger,
    CampaignMessageFactory,
    SubscriberLinks,
    TokenService,
  ],
  exports: [CampaignService, CampaignRunner, CampaignLedger, CampaignMessageFactory, BounceModule],
})
export class CampaignsModule {}

/** What only worker processes run: the sender, the shared rate limiter, the heartbeat and the watchdog. */
@Module({
  imports: [CampaignsModule, SendRateModule],
  providers: [DeliveryService, WorkerRegistry, CampaignSupervisor],
  exports: [CampaignsModule, SendRateModule, DeliveryService, WorkerRegistry],
})
export class CampaignWorkerModule {}
