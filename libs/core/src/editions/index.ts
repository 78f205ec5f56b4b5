export * from './draft.parser';
export * from './draft.format';
export * from './edition.markdown';
