export * from './accounts.types';
export * from './accounts.service';
export * from './accounts.module';
export * from './password.hasher';
export * from './user.repository';
export * from './session.repository';
export * from './api-token.repository';
