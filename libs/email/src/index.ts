export * from './edition.types';
