export * from './campaign-message.factory';
export * from './delivery.service';
export * from './send-rate.limiter';
export * from './worker-registry.service';
export * from './send-rate.module';
