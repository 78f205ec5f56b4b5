export * from './placeholders';
export * from './render';
export * from './mime-template';
export * from './dkim-canon';
export * from './templates/edition.email';
export * from './templates/confirm-subscription.email';
export * from './templates/layout';
export * from './templates/welcome.email';
