import { AppConfig, ConfigError } from '@app/config';
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface ComposeService {
  environment?: Record<string, string> | string[];
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
  image?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
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
      'GF_SECURITY_ADMIN_PASSWORD',
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

  describe('the monitoring profile', () => {
    const services = () => compose().services;

    it('adds Prometheus and Grafana only with --profile monitoring', () => {
      const all = services();
      expect(all.prometheus?.profiles).toEqual(['monitoring']);
      expect(all.grafana?.profiles).toEqual(['monitoring']);
      for (const name of ['postgres', 'redis', 'mailpit', 'migrate', 'api', 'worker', 'inbound'])
        expect({ name, profiles: all[name]?.profiles }).toEqual({ name, profiles: undefined });
      // named volumes it uses are declared
      for (const service of [all.prometheus!, all.grafana!]) {
        for (const v of service.volumes ?? []) {
          const source = v.split(':')[0]!;
          if (source.startsWith('./')) expect(existsSync(join(ROOT, source))).toBe(true);
          else expect(Object.keys(compose().volumes ?? {})).toContain(source);
        }
      }
      // Grafana beside the API: not on the API's host port
      expect(all.grafana!.ports).toEqual(['3001:3000']);
      expect(all.api!.ports).toEqual(['3000:3000']);
    });

    it('scrapes the API and every worker replica with the metrics token, and loads the alert rules', () => {
      const prom = load(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
        rule_files: string[];
        scrape_configs: {
          job_name: string;
          authorization?: { credentials_file?: string };
          static_configs?: { targets: string[] }[];
          dns_sd_configs?: { names: string[]; port: number }[];
        }[];
      };
      const job = (name: string) => prom.scrape_configs.find((c) => c.job_name === name)!;
      expect(job('newsletter-api').static_configs?.[0]?.targets).toEqual(['api:3000']);
      // the worker's default WORKER_METRICS_PORT, on every replica the compose DNS name resolves to
      const defaults = AppConfig.fromEnvironment({ NODE_ENV: 'test', SECRET_KEY: 'k'.repeat(40) }).env;
      expect(job('newsletter-worker').dns_sd_configs?.[0]).toMatchObject({
        names: ['worker'],
        port: defaults.WORKER_METRICS_PORT,
      });
      expect(defaults.HOST).toBe('0.0.0.0');
      // the token file the prometheus service writes from METRICS_TOKEN before starting
      const p = services().prometheus!;
      for (const c of prom.scrape_configs) {
        expect(c.authorization?.credentials_file).toBe('/prometheus/metrics_token');
        expect(JSON.stringify(p)).toContain(
          `> ${c.authorization!.credentials_file!} && exec /bin/prometheus`,
        );
      }
      expect(environment(p).METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
      // the rules file it loads is the one mounted next to the config
      expect(prom.rule_files).toEqual(['alerts.yml']);
      expect(p.volumes).toContain('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
      const out = execFileSync(
        'promtool',
        ['check', 'config', '--syntax-only', join(ROOT, 'deploy/prometheus/prometheus.yml')],
        { encoding: 'utf8' },
      );
      expect(out).toContain('SUCCESS');
    });

    it('provisions Grafana with the Prometheus data source and the Newsletter dashboard', () => {
      const g = services().grafana!;
      const ds = load(
        readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
      ) as { datasources: { uid: string; url: string; type: string }[] };
      expect(ds.datasources[0]).toMatchObject({
        uid: 'prometheus',
        type: 'prometheus',
        url: 'http://prometheus:9090',
      });
      const provider = load(
        readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/newsletter.yml'), 'utf8'),
      ) as { providers: { options: { path: string } }[] };
      const dashboards = provider.providers[0]!.options.path;
      expect(g.volumes).toContain(`./deploy/grafana/newsletter.json:${dashboards}/newsletter.json:ro`);
      expect(g.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
      const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/newsletter.json'), 'utf8')) as {
        panels: { datasource: { uid: string }; targets: { datasource: { uid: string } }[] }[];
      };
      for (const panel of dashboard.panels) {
        expect(panel.datasource.uid).toBe('prometheus');
        for (const t of panel.targets) expect(t.datasource.uid).toBe('prometheus');
      }
    });
  });
});
