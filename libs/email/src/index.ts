export * from './placeholders';
export * from './render';
export * from './mime-template';
export * from './templates/edition.email';
export * from './templates/confirm-subscription.email';
export * from './templates/layout';
// TEMPORARY (issue 12): the lead switches libs/core and apps to @app/content, then deletes this
export * from '@app/content';
