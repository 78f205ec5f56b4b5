export * from './feedback.types';
export * from './verp';
