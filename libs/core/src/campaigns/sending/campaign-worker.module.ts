import { Module } from '@nestjs/common';
import { PublicationModule } from '../../publication/publication.module';
import { SendRateModule } from '../../send-rate/send-rate.module';
import { SubscriberDataModule } from '../../subscriptions/subscriber-data.module';
import { CampaignsModule } from '../campaigns.module';
import { CampaignSupervisor } from './campaign-supervisor.service';
import { DeliveryService } from './delivery.service';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WelcomeMailer } from './welcome-mail.service';
import { WorkerRegistry } from './worker-registry.service';

/**
 * What only worker processes run: the sender, the shared rate limiter, the heartbeat and the watchdog, and
 * the welcome message (built like a campaign message).
 */
@Module({
  imports: [CampaignsModule, SendRateModule, PublicationModule, SubscriberDataModule],
  providers: [DeliveryService, WorkerRegistry, WorkerHeartbeatRepository, CampaignSupervisor, WelcomeMailer],
  exports: [CampaignsModule, SendRateModule, DeliveryService, WorkerRegistry, WelcomeMailer],
})
export class CampaignWorkerModule {}
