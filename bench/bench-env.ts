/**
 * Imported first by run.ts: React picks its development or production build when first required, and the
 * benchmarks later set NODE_ENV=production for the Nest contexts they create. Both must agree.
 */
process.env.NODE_ENV = 'production';
