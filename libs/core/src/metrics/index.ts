export * from './metrics-auth';
export * from './collector-status';
export * from './queue.metrics';
export * from './ledger.metrics';
export * from './ledger-metrics.repository';
export * from './job.metrics';
export * from './worker-metrics.service';
export * from './worker-metrics.module';
