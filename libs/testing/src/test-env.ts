/**
 * The environment of one test world (the e2e Harness, a ServiceWorld): its own database, Redis prefix, SMTP
 * sink and secret, and the settings every test shares (short SMTP timeout and retry backoff, quiet logs).
 */
export function testEnv(world: {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  smtpUrl: string;
  secretKey: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: world.databaseUrl,
    REDIS_URL: world.redisUrl,
    REDIS_PREFIX: world.redisPrefix,
    SMTP_URL: world.smtpUrl,
    SMTP_TIMEOUT_MS: '5000',
    SECRET_KEY: world.secretKey,
    PUBLIC_URL: 'https://news.example.test',
    MAIL_FROM: 'CRANK Call <crank@example.test>',
    LOG_LEVEL: 'warn',
    SEND_BACKOFF_MS: '200',
    // Most tests confirm readers and count the mail they get; the welcome message's tests turn it on.
    WELCOME_ISSUE: 'false',
    // Most tests post sign-ups without solving the proof-of-work challenge; the challenge's tests turn it on.
    SUBSCRIBE_CHALLENGE: 'off',
    // Tests sign many readers up at example.org within seconds; the budgets' own tests turn them on.
    CONFIRMATIONS_PER_DOMAIN_PER_HOUR: '0',
    CONFIRMATIONS_PER_HOUR: '0',
  };
}
