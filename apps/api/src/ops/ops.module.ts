import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { QueueName } from '@app/queue';
import { Module } from '@nestjs/common';
import { QueuesAuthMiddleware } from './queues-auth.middleware';
import { BOARD_OPTIONS, QUEUES_ROUTE } from './queues-board';

export { QUEUES_ROUTE } from './queues-board';

/**
 * Bull Board at /admin/queues (every queue), behind QueuesAuthMiddleware. This is the admin's board; the
 * middleware answers ops from a read-only board of its own and refuses, for everybody, the board's routes
 * that add or edit jobs or empty queues.
 */
@Module({
  imports: [
    BullBoardModule.forRoot({
      route: QUEUES_ROUTE,
      adapter: ExpressAdapter,
      middleware: QueuesAuthMiddleware,
      boardOptions: BOARD_OPTIONS,
    }),
    BullBoardModule.forFeature(...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
})
export class OpsModule {}
