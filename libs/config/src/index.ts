export * from './config.schema';
export * from './app-config';
export * from './config.module';
export * from './boot';
export * from './published-secrets';
