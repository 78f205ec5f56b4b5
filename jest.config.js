// Nest 12 and React Email ship ESM; Jest on Node 20 loads them only after swc turns them into CommonJS.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true, decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const aliases = {};
for (const lib of ['config', 'core', 'database', 'queue', 'mailer', 'email', 'content', 'testing']) {
  aliases[`^@app/${lib}$`] = `<rootDir>/libs/${lib}/src`;
  aliases[`^@app/${lib}/(.*)$`] = `<rootDir>/libs/${lib}/src/$1`;
}
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.{ts,tsx}', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.[cm]js$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@react-email|d3-[a-z-]+|internmap|@otplib|@scure|@noble)/)',
  ],
  moduleNameMapper: aliases,
  testTimeout: 60000,
  // Nest/BullMQ/ioredis leave timers that outlive app.close() by a few ms; do not let them hang CI.
  forceExit: true,
  globalSetup: '<rootDir>/test/global-setup.js',
};
