export * from './queue.constants';
export * from './redis-options';
export * from './job.queue';
export * from './queue.module';
export * from './job.schemas';
export * from './redis-client';
