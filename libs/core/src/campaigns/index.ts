export * from './campaign.constants';
export * from './campaign.types';
export * from './campaign.repository';
export * from './campaign-edition.repository';
export * from './delivery.repository';
export * from './campaign-scheduler.service';
export * from './campaign-message.factory';
export * from './campaign-runner.service';
export * from './campaign.service';
export * from './campaigns.module';
// The sending side (worker processes); it imports the campaign side, never the reverse.
export * from './sending';
