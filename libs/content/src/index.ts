/**
 * @app/content: what an edition is, independent of how it is stored, parsed or rendered. Pure TypeScript:
 * no Nest, no database, no React, no other lib (a test in this folder keeps it so), so that the parser, the
 * database entity, the API and the email templates can all depend on it.
 */
export * from './edition-content';
export * from './issue-label';
export * from './section-titles';
export * from './inline';
export * from './link-url';
