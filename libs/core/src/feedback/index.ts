export * from './feedback.module';
export * from './feedback.service';
export * from './feedback.types';
export * from './inbound-intake.service';
export * from './inbound-message.repository';
export * from './inbound-processing.service';
export * from './mail-feedback.repository';
export * from './verp';
