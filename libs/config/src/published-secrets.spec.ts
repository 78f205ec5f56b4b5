import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError } from './app-config';
import { MIN_PRODUCTION_SECRET_LENGTH, PUBLISHED_SECRET_VALUES, SECRET_VARIABLES } from './published-secrets';

const ROOT = join(__dirname, '..', '..', '..');

/** A production environment that passes validation; each test spoils one value. */
const GOOD: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://newsletter:3f9c1b7e0a2d4c6f8e1a3b5c7d9e0f21@db:5432/newsletter',
  SECRET_KEY: 'a4f1c9e2b7d3058f6a1e4c9b2d7f3e0a',
  ADMIN_API_TOKEN: 'b8e2d4f6a0c1e3b5d7f9a2c4e6b8d0f1',
  BOUNCE_WEBHOOK_SECRET: 'c3a5e7b9d1f2a4c6e8b0d2f4a6c8e0b2',
  METRICS_TOKEN: 'd6b8f0a2c4e6b8d0f2a4c6e8b0d2f4a6',
};

function refusal(env: Record<string, string>): string | undefined {
  try {
    AppConfig.fromEnvironment(env);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

describe('production refuses secrets everyone knows', () => {
  it('accepts random secrets of 32 characters or more', () => {
    expect(refusal(GOOD)).toBeUndefined();
  });

  const cases = SECRET_VARIABLES.filter((n) => n !== 'DKIM_PRIVATE_KEY').flatMap((name) => [
    ...PUBLISHED_SECRET_VALUES.map((value) => [
      name,
      value,
      /published in this repository|placeholder|at least/,
    ]),
    [name, 'change-me-but-long-enough-to-pass-the-length-rule-0123', /placeholder/],
    [name, 'CHANGEME-0123456789abcdef0123456789abcdef', /placeholder/],
    [name, 'x'.repeat(MIN_PRODUCTION_SECRET_LENGTH - 1), /at least 32 characters/],
  ]) as [string, string, RegExp][];

  it.each(cases)('refuses %s=%j', (name, value, why) => {
    const message = refusal({ ...GOOD, [name]: value });
    expect(message).toMatch(new RegExp(`${name}: .*${why.source}`));
    // the refusal names the rule, never the value (it may be a real secret with a typo)
    expect(message).not.toContain(value);
  });

  it('refuses every published value as such, whatever its length', () => {
    const long = PUBLISHED_SECRET_VALUES.filter(
      (v) => v.length >= MIN_PRODUCTION_SECRET_LENGTH && !/^change/i.test(v),
    );
    for (const value of long) {
      expect(refusal({ ...GOOD, SECRET_KEY: value })).toMatch(/published in this repository/);
    }
  });

  it('refuses a DKIM key that is a placeholder', () => {
    const dkim = { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 's1' };
    expect(
      refusal({ ...GOOD, ...dkim, DKIM_PRIVATE_KEY: 'change-me-paste-the-private-key-here-please' }),
    ).toMatch(/DKIM_PRIVATE_KEY: .*placeholder/);
  });

  it('refuses a published password inside a service URL, without printing it', () => {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL']) {
      const scheme = { DATABASE_URL: 'postgres', REDIS_URL: 'redis', SMTP_URL: 'smtp' }[name];
      for (const password of PUBLISHED_SECRET_VALUES) {
        const url = `${scheme}://user:${encodeURIComponent(password)}@host:1234/x`;
        const message = refusal({ ...GOOD, [name]: url });
        expect(message).toMatch(new RegExp(`${name}: has a password published in this repository`));
        expect(message).not.toContain(`:${encodeURIComponent(password)}@`);
      }
    }
  });

  it('leaves development and tests alone', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(
        refusal({
          NODE_ENV,
          SECRET_KEY: 'change-me-to-32-or-more-random-characters!!',
          ADMIN_API_TOKEN: 'change-me-admin-token',
          DATABASE_URL: 'postgres://newsletter:newsletter@127.0.0.1:5432/newsletter',
        }),
      ).toBeUndefined();
    }
  });
});

/**
 * Secret-looking values written in a text: placeholders, values given to secret variables, defaults of
 * compose variables, passwords in URLs, bearer tokens, scrape credentials, webhook secrets. Values that are
 * references or placeholders for the reader ($VAR, ${VAR...}, <...>, "...") are not values.
 */
function secretCandidates(text: string): string[] {
  const names = [...SECRET_VARIABLES, 'POSTGRES_PASSWORD', 'PASSWORD'].join('|');
  const patterns = [
    /\b(change-me[^\s'"`)}\],|]*)/gi,
    new RegExp(`(?<!\\$\\{)\\b(?:${names})\\s*[=:]\\s*['"]?([^\\s'"\`,}|]+)`, 'g'),
    new RegExp(`\\$\\{(?:${names}):?-([^}]*)\\}`, 'g'),
    /[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]+:([^\s@/'"`]+)@/gi,
    /\bBearer\s+([^\s'"`)]+)/g,
    /\bcredentials:\s*['"]?([^\s'"`},]+)/g,
    /\bX-Webhook-Secret:\s*['"]?([^\s'"`},]+)/gi,
  ];
  const out = new Set<string>();
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const v = (m[1] ?? '').trim();
      if (!v || /^[$<{]/.test(v) || v.includes('...') || v.includes('…')) continue;
      out.add(v);
    }
  }
  return [...out];
}

describe('the list of published example secrets', () => {
  const files = [
    'README.md',
    'docker-compose.yml',
    '.env.example',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ].filter((f) => existsSync(join(ROOT, f)));

  it('finds what it looks for', () => {
    expect(
      secretCandidates(
        [
          'SECRET_KEY=abc123longvalue',
          '  ADMIN_API_TOKEN: ${ADMIN_API_TOKEN:-some-default}',
          'METRICS_TOKEN: "quoted-token"',
          'SMTP_URL=smtp://user:hunter2@relay:25',
          'curl -H "Authorization: Bearer literal-token" -H "X-Webhook-Secret: hook-secret"',
          'authorization: { credentials: scrape-secret }',
          'a change-me-anything placeholder',
          'not values: $ADMIN_API_TOKEN, <METRICS_TOKEN>, ${SECRET_KEY:?set it}, Bearer nlt_..., SECRET_KEY=',
        ].join('\n'),
      ).sort(),
    ).toEqual(
      [
        'abc123longvalue',
        'some-default',
        'quoted-token',
        'hunter2',
        'literal-token',
        'hook-secret',
        'scrape-secret',
        'change-me-anything',
      ].sort(),
    );
  });

  it.each(files)('holds every example secret in %s', (file) => {
    const found = secretCandidates(readFileSync(join(ROOT, file), 'utf8'));
    expect(found.filter((v) => !PUBLISHED_SECRET_VALUES.includes(v))).toEqual([]);
  });
});
