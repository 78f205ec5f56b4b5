import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { envSchema, type Env } from './config.schema';

export class ConfigError extends Error {}

/** A service URL as it may be printed: its password replaced. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** Validated, typed configuration. Built once at boot; a bad value stops the process with a clear message. */
export class AppConfig {
  readonly env: Env;
  /** HMAC key for link tokens. Generated per process when SECRET_KEY is unset (development only). */
  readonly secretKey: string;
  readonly secretKeyIsEphemeral: boolean;

  constructor(env: Env) {
    this.env = env;
    this.secretKeyIsEphemeral = !env.SECRET_KEY;
    this.secretKey = env.SECRET_KEY ?? AppConfig.devSecret();
  }

  static fromEnvironment(source: NodeJS.ProcessEnv = process.env): AppConfig {
    // Empty strings mean "unset" (docker-compose writes VAR= for optional variables).
    const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = envSchema.safeParse(cleaned);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => {
        const name = i.path.join('.') || '(environment)';
        const value = cleaned[name];
        const shown =
          value === undefined || /SECRET|TOKEN|KEY|PASSWORD/.test(name)
            ? ''
            : ` (got "${name.endsWith('_URL') ? withoutPassword(value) : value}")`;
        return `  - ${name}: ${i.message}${shown}`;
      });
      throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
    }
    return new AppConfig(parsed.data);
  }

  /**
   * Without SECRET_KEY, tokens must still survive a restart and be shared by the api and worker processes
   * on this machine, so a generated key is kept in var/secret.key (development only; production refuses to boot).
   */
  private static devSecret(file = 'var/secret.key'): string {
    try {
      const existing = readFileSync(file, 'utf8').trim();
      if (existing.length >= 32) return existing;
    } catch {
      // first run: fall through and create it
    }
    const key = randomBytes(32).toString('hex');
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      // another process created it first: use theirs
      return readFileSync(file, 'utf8').trim();
    }
  }

  get smtpEnabled(): boolean {
    return this.env.SMTP_URL !== undefined;
  }

  /**
   * Where bounces, complaints and mailto unsubscribes come back (VERP and List-Unsubscribe addresses):
   * BOUNCE_DOMAIN, else the MAIL_FROM address's domain, else PUBLIC_URL's host.
   */
  get bounceDomain(): string {
    if (this.env.BOUNCE_DOMAIN) return this.env.BOUNCE_DOMAIN;
    const from = this.env.MAIL_FROM;
    const open = from.lastIndexOf('<');
    const close = from.lastIndexOf('>');
    const address = open >= 0 && close > open ? from.slice(open + 1, close) : from;
    const domain = address
      .slice(address.lastIndexOf('@') + 1)
      .trim()
      .toLowerCase();
    return domain && !domain.includes('@') && domain !== address.trim().toLowerCase()
      ? domain
      : new URL(this.env.PUBLIC_URL).hostname;
  }

  get publicUrlIsHttps(): boolean {
    return this.env.PUBLIC_URL.startsWith('https:');
  }

  get dkim(): { domainName: string; keySelector: string; privateKey: string } | undefined {
    const { DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY } = this.env;
    if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY) return undefined;
    return {
      domainName: DKIM_DOMAIN,
      keySelector: DKIM_SELECTOR,
      privateKey: DKIM_PRIVATE_KEY.replace(/\\n/g, '\n'),
    };
  }

  /** Absolute link under PUBLIC_URL. */
  url(path: string, query?: Record<string, string>): string {
    const u = new URL(this.env.PUBLIC_URL + path);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    return u.toString();
  }
}
