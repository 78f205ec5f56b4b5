import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { QueueName } from '@app/queue';
import { Module } from '@nestjs/common';
import { QueuesAuthMiddleware } from './queues-auth.middleware';

export const QUEUES_ROUTE = '/admin/queues';

/** Bull Board at /admin/queues (every queue), behind QueuesAuthMiddleware. */
@Module({
  imports: [
    BullBoardModule.forRoot({
      route: QUEUES_ROUTE,
      adapter: ExpressAdapter,
      middleware: QueuesAuthMiddleware,
      boardOptions: { uiConfig: { boardTitle: 'CRANK Call queues' } },
    }),
    BullBoardModule.forFeature(...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
})
export class OpsModule {}
