import { Module } from '@nestjs/common';
import { SendRateModule } from '../../send-rate/send-rate.module';
import { CampaignsModule } from '../campaigns.module';
import { CampaignSupervisor } from './campaign-supervisor.service';
import { DeliveryService } from './delivery.service';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkerRegistry } from './worker-registry.service';

/** What only worker processes run: the sender, the shared rate limiter, the heartbeat and the watchdog. */
@Module({
  imports: [CampaignsModule, SendRateModule],
  providers: [DeliveryService, WorkerRegistry, WorkerHeartbeatRepository, CampaignSupervisor],
  exports: [CampaignsModule, SendRateModule, DeliveryService, WorkerRegistry],
})
export class CampaignWorkerModule {}
