import { AppConfig } from '@app/config';
import { DeliveryService } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { requireId } from './campaign.processor';
import { type JobHandlers, JobProcessor } from './job.processor';

function requireIds(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100000) {
    throw new UnrecoverableError('deliveryIds must be a non-empty array');
  }
  return value.map((v) => requireId(v, 'deliveryIds[]'));
}

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
      [JobName.DeliverBatch]: (p) =>
        deliveries.deliverBatch(requireId(p.campaignId, 'campaignId'), requireIds(p.deliveryIds)),
    };
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.env.SEND_CONCURRENCY;
  }
}
