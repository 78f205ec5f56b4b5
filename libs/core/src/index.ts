export * from './tokens/token.service';
export * from './subscriptions';
export * from './campaigns';
export * from './deliveries';
export { AccountsError, AccountsModule, AccountsService, type UserView, type ApiTokenView } from './accounts';
export * from './editions';
export * from './common/domain.errors';
