import { AppConfig } from '@app/config';
import { DeliveryService } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { type JobHandlers, JobProcessor } from './job.processor';

/**
 * Campaign message batches (hundreds of delivery ids per job). A short lock and stalled interval let a batch
 * whose worker was killed be picked up again within seconds; the handler then releases what the dead worker
 * left in `sending`. SEND_CONCURRENCY batches run side by side in one worker, sharing its SMTP pool.
 */
@Processor(QueueName.Delivery, { lockDuration: 10000, stalledInterval: 5000, maxStalledCount: 10 })
export class DeliveryProcessor extends JobProcessor implements OnApplicationBootstrap {
  readonly queue = QueueName.Delivery;
  protected readonly handlers: JobHandlers;

  constructor(
    deliveries: DeliveryService,
    private readonly config: AppConfig,
  ) {
    super();
    this.handlers = {
      [JobName.DeliverBatch]: (p) => deliveries.deliverBatch(p.campaignId, p.deliveryIds),
    };
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.env.SEND_CONCURRENCY;
  }
}
