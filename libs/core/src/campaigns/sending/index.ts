export * from './campaign-supervisor.service';
export * from './campaign-worker.module';
export * from './delivery.service';
export * from './worker-heartbeat.repository';
export * from './worker-registry.service';
export * from './welcome-mail.service';
