export * from './tokens/token.service';
export * from './subscriptions';
export * from './campaigns';
export * from './send-rate';
export { AccountsError, AccountsModule, AccountsService, type UserView, type ApiTokenView } from './accounts';
export * from './editions';
export * from './common/domain.errors';
export * from './common/keyset-cursor';
export * from './publication';
