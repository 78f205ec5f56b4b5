export * from './accounts.types';
export * from './accounts.service';
export * from './accounts.module';
export * from './password.hasher';
