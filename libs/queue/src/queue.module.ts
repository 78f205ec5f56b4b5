import { AppConfig } from '@app/config';
import { BullModule } from '@nestjs/bullmq';
import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { JobQueue } from './job.queue';
import { QueueName } from './queue.constants';
import { bullConnection } from './redis-client';

/**
 * BullMQ's connection (see bullConnection). On a cluster the queues share one client, which BullMQ does not
 * close: it is closed here. Its module is global and registered before BullMQ's own (global) core module, and
 * Nest calls the shutdown hooks of global modules last, in reverse order of registration: the workers of
 * BullMQ's core module have finished their jobs (which may still add jobs to the queues) before it closes.
 */
@Injectable()
export class BullConnection implements OnApplicationShutdown {
  readonly connection: ReturnType<typeof bullConnection>;

  constructor(config: AppConfig) {
    this.connection = bullConnection(config.env);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection instanceof Cluster) {
      await this.connection.quit().catch(() => (this.connection as Cluster).disconnect());
    }
  }
}

@Global()
@Module({ providers: [BullConnection], exports: [BullConnection] })
class BullConnectionModule {}

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionModule],
      inject: [AppConfig, BullConnection],
      useFactory: (config: AppConfig, bull: BullConnection) => ({
        connection: bull.connection,
        prefix: config.env.REDIS_PREFIX,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
          // Keep Redis small: finished jobs are history in PostgreSQL, not in Redis.
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      }),
    }),
    BullModule.registerQueue(
      { name: QueueName.Mail },
      { name: QueueName.Campaign },
      { name: QueueName.Delivery },
      { name: QueueName.Inbound },
    ),
  ],
  providers: [JobQueue],
  exports: [JobQueue, BullModule],
})
export class QueueModule {}
