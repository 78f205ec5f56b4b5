import { AppConfig } from '@app/config';
import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job.queue';
import { QueueName } from './queue.constants';
import { redisOptions } from './redis-options';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisOptions(config.env.REDIS_URL),
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
