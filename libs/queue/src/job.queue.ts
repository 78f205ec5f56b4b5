import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, JobName, type JobPayload, QueueName } from './queue.constants';

/** Typed producer: the only way the rest of the code puts jobs on queues. */
@Injectable()
export class JobQueue {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Mail) mail: Queue,
    @InjectQueue(QueueName.Campaign) campaign: Queue,
    @InjectQueue(QueueName.Delivery) delivery: Queue,
    @InjectQueue(QueueName.Inbound) inbound: Queue,
  ) {
    this.queues = {
      [QueueName.Mail]: mail,
      [QueueName.Campaign]: campaign,
      [QueueName.Delivery]: delivery,
      [QueueName.Inbound]: inbound,
    };
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  all(): Queue[] {
    return Object.values(this.queues);
  }

  async add<J extends JobName>(name: J, payload: JobPayload<J>, opts?: JobsOptions): Promise<void> {
    await this.queues[JOB_QUEUE[name]].add(name, payload, opts);
  }

  async addBulk<J extends JobName>(
    name: J,
    items: { payload: JobPayload<J>; opts?: JobsOptions }[],
  ): Promise<void> {
    if (items.length === 0) return;
    await this.queues[JOB_QUEUE[name]].addBulk(items.map((i) => ({ name, data: i.payload, opts: i.opts })));
  }
}
