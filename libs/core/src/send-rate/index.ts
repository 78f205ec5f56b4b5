export * from './send-rate.limiter';
export * from './send-rate.module';
