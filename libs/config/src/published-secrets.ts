/**
 * Environment variables whose whole value is a secret of this service. In production each one that is set
 * must be a value nobody else has read: not an example from this repository, not a placeholder, and long
 * enough not to be guessed.
 */
export const SECRET_VARIABLES = [
  'SECRET_KEY',
  'ADMIN_API_TOKEN',
  'BOUNCE_WEBHOOK_SECRET',
  'METRICS_TOKEN',
  'DKIM_PRIVATE_KEY',
] as const;

export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/** Shortest secret accepted in production: 32 characters (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * Every secret-looking example value ever printed in this repository (README.md, docs/, docker-compose.yml,
 * .env.example). Anyone can read them, so a deployment using one is open to everyone: production refuses
 * them. Values stay listed after they leave the files (old checkouts and deployments still carry them);
 * libs/config/src/published-secrets.spec.ts scans those files and fails when one is missing here.
 */
export const PUBLISHED_SECRET_VALUES: readonly string[] = [
  // docker-compose.yml defaults until the compose file required real values
  'change-me-to-32-or-more-random-characters!!',
  'change-me-admin-token',
  'change-me-webhook-secret',
  // README: Prometheus scrape configuration
  'change-me-metrics-token',
  // docker-compose.yml: the PostgreSQL password before the compose file required one
  'newsletter',
  // README: the SMTP_URL example (smtp://user:pass@...)
  'pass',
  // README: the placeholder prefix itself, as the production rule names it
  'change-me',
];

/** Placeholders look like this whatever follows ("change-me", "change_me", "CHANGEME..."). */
const PLACEHOLDER = /^change[-_ ]?me/i;

/**
 * Why `value` must not be a production secret, or undefined if it may be one. The reasons name the rule,
 * never the value.
 */
export function productionSecretProblem(value: string): string | undefined {
  const v = value.trim();
  if (PLACEHOLDER.test(v)) return 'is a placeholder (it starts with "change me"): set a random value';
  if (PUBLISHED_SECRET_VALUES.includes(v)) {
    return 'is an example value published in this repository, known to anyone who has read it: set a random value';
  }
  if (v.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`;
  }
  return undefined;
}
