export * from './draft.parser';
export * from './draft.format';
export * from './edition.markdown';
export * from './edition.repository';
export * from './edition.service';
export * from './editions.module';
export * from './pre-send-check.service';
export * from './seeds/crank-call-2025-04.seed';
