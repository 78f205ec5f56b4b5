import { AppConfig, ConfigError } from '@app/config';
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string> | string[] }>;
}

function compose(): ComposeFile {
  return load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
}

/** A service's environment as name → raw (uninterpolated) value. */
function environment(service: ComposeFile['services'][string]): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]));
}

/**
 * Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error}, as its reference describes it: enough
 * to see what the services would get from a given .env, and that a missing secret stops `docker compose up`.
 */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_m, name: string, op, arg) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg as string}`);
    return op === '-' ? (arg as string) : '';
  });
}

const SECRET_LIKE = /SECRET|TOKEN|PASSWORD|PRIVATE_KEY/;

/** Runs scripts/init-env.sh on `file` and returns the variables it holds afterwards. */
function initEnv(file: string): Record<string, string> {
  execFileSync('sh', [join(ROOT, 'scripts/init-env.sh'), file], { stdio: 'pipe' });
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('docker-compose.yml', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nl-compose-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives no secret a default: each is required with ${NAME:?...}', () => {
    const checked: string[] = [];
    const offenders: string[] = [];
    for (const [serviceName, service] of Object.entries(compose().services)) {
      for (const [name, raw] of Object.entries(environment(service))) {
        // a literal password inside a URL (postgres://user:password@host) is a secret too
        if (/:\/\/[^\s:/@]+:[^$\s@/][^\s@/]*@/.test(raw)) offenders.push(`${serviceName}.${name}=${raw}`);
        if (!SECRET_LIKE.test(name)) continue;
        if (!new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`).test(raw))
          offenders.push(`${serviceName}.${name}=${raw}`);
        checked.push(`${serviceName}.${name}`);
      }
    }
    expect(offenders).toEqual([]);
    for (const service of ['api', 'worker', 'migrate', 'inbound']) {
      for (const name of ['SECRET_KEY', 'ADMIN_API_TOKEN', 'BOUNCE_WEBHOOK_SECRET', 'METRICS_TOKEN']) {
        expect(checked).toContain(`${service}.${name}`);
      }
    }
    expect(checked).toContain('postgres.POSTGRES_PASSWORD');
  });

  it('refuses to start without the secrets', () => {
    const api = environment(compose().services.api!);
    for (const name of ['SECRET_KEY', 'ADMIN_API_TOKEN', 'BOUNCE_WEBHOOK_SECRET', 'METRICS_TOKEN']) {
      expect(() => interpolate(api[name]!, {})).toThrow(
        new RegExp(`${name} is missing a value: run scripts/init-env.sh`),
      );
    }
    expect(() => interpolate(api.DATABASE_URL!, {})).toThrow(/POSTGRES_PASSWORD is missing a value/);
  });

  it('runs in production mode, where the services accept what scripts/init-env.sh generates', () => {
    const vars = initEnv(join(dir, '.env'));
    for (const name of [
      'SECRET_KEY',
      'ADMIN_API_TOKEN',
      'BOUNCE_WEBHOOK_SECRET',
      'METRICS_TOKEN',
      'POSTGRES_PASSWORD',
    ]) {
      expect(vars[name]).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const service of ['api', 'worker', 'migrate', 'inbound']) {
      const env = Object.fromEntries(
        Object.entries(environment(compose().services[service]!)).map(([k, v]) => [k, interpolate(v, vars)]),
      );
      expect(env.NODE_ENV).toBe('production');
      const config = AppConfig.fromEnvironment(env);
      expect(config.env.SECRET_KEY).toBe(vars.SECRET_KEY);
      expect(new URL(config.env.DATABASE_URL).password).toBe(vars.POSTGRES_PASSWORD);
    }
    // ...and refuse the defaults the compose file used to have
    const api = environment(compose().services.api!);
    const old = { ...vars, ADMIN_API_TOKEN: 'change-me-admin-token' };
    const env = Object.fromEntries(Object.entries(api).map(([k, v]) => [k, interpolate(v, old)]));
    expect(() => AppConfig.fromEnvironment(env)).toThrow(ConfigError);
  });

  it('init-env.sh keeps values already set and adds only the missing ones', () => {
    const file = join(dir, 'partial.env');
    writeFileSync(
      file,
      'PUBLIC_URL=https://news.example.org\nSECRET_KEY=kept-0123456789abcdef0123456789abcdef',
    );
    const first = initEnv(file);
    expect(first.SECRET_KEY).toBe('kept-0123456789abcdef0123456789abcdef');
    expect(first.PUBLIC_URL).toBe('https://news.example.org');
    const second = initEnv(file);
    expect(second).toEqual(first);
    expect(readFileSync(file, 'utf8').match(/^ADMIN_API_TOKEN=/gm)).toHaveLength(1);
  });
});
