export * from './campaign.constants';
export * from './campaign.types';
export * from './campaign-ledger.service';
export * from './campaign-runner.service';
export * from './campaign-supervisor.service';
export * from './campaign.service';
export * from './campaigns.module';
