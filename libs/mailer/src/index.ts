export * from './mail-transport';
export * from './smtp.transport';
export * from './file-outbox.transport';
export * from './mailer.module';
export * from './mail-metrics';
export * from './dkim-signer';
