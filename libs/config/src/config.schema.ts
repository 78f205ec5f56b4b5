import { z } from 'zod';
import { productionSecretProblem, PUBLISHED_SECRET_VALUES, SECRET_VARIABLES } from './published-secrets';

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every environment variable the service reads, with defaults that work on a developer's machine. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/newsletter'),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    /**
     * A Redis Cluster: some of its nodes as `host:port,host:port` (the client discovers the others). Set, every
     * connection is a cluster one and REDIS_URL gives only the user, password and TLS (`rediss:`) of every node.
     */
    REDIS_CLUSTER_NODES: z
      .string()
      .trim()
      .transform((v, ctx) => {
        const nodes = parseClusterNodes(v);
        if (typeof nodes === 'string') {
          ctx.addIssue({ code: 'custom', message: nodes });
          return z.NEVER;
        }
        return nodes;
      })
      .optional(),
    /**
     * Prefix of every key, so several deployments (or test runs) can share one Redis. Default `nl`, or `{nl}` with
     * REDIS_CLUSTER_NODES: on a cluster it must hold a hash tag (see the final transform).
     */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_{}-]{1,64}$/, 'letters, digits, ":", "_", "-", "{" or "}" only')
      .optional(),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    SMTP_POOL_SIZE: int(1, 100).default(10),
    SMTP_TIMEOUT_MS: int(1000, 600000).default(30000),
    OUTBOX_DIR: z.string().min(1).default('var/outbox'),
    PUBLIC_URL: url(['http:', 'https:'])
      .default('http://localhost:3000')
      .transform((v) => v.replace(/\/+$/, '')),
    PORT: int(1, 65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * The From address of every message, bare (`news@example.org`) or with a display name
     * (`Name <news@example.org>`). The default names no publication: a publication's name lives in its row.
     */
    MAIL_FROM: z
      .string()
      .trim()
      .refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks')
      .default('newsletter@localhost'),
    /**
     * Sender identity printed under the publication's name in every footer (CAN-SPAM/GDPR want a postal or
     * legal identity). Empty by default: the footer then shows the publication's name alone.
     */
    SENDER_IDENTITY: z.string().trim().default(''),
    /**
     * The sender's physical postal address, shown in every footer (CAN-SPAM requires one in every commercial
     * message; Gmail expects it from bulk senders). The pre-send check fails without it in production.
     */
    SENDER_ADDRESS: z
      .string()
      .trim()
      .max(300, 'must be at most 300 characters')
      .refine((v) => !/[\r\n]/.test(v), 'must be one line (separate parts with commas)')
      .default(''),
    /** Send a welcome message (with the latest issue) to every reader who confirms; false: no welcome. */
    WELCOME_ISSUE: bool.default(true),
    /**
     * Every console user must set up two-factor sign-in (TOTP) at their next sign-in, before any console page.
     * API tokens are not affected.
     */
    REQUIRE_2FA: bool.default(false),
    ADMIN_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    BOUNCE_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    THROTTLE_LIMIT: int(1, 1000000).default(30),
    THROTTLE_TTL_MS: int(1000, 3600000).default(60000),
    TRUST_PROXY: bool.default(false),
    /**
     * The subscribe form's bot check: `pow`, an ALTCHA proof-of-work challenge solved by the reader's browser
     * (hosted form, embedded form and POST /api/subscriptions; bearer-token clients skip it), or `off`.
     */
    SUBSCRIBE_CHALLENGE: z.enum(['pow', 'off']).default('pow'),
    /** Domains whose addresses may not subscribe (comma-separated; their subdomains too): 422 with a message. */
    BLOCKED_DOMAINS: z
      .string()
      .trim()
      .transform((v) =>
        v
          .split(',')
          .map((d) => d.trim().toLowerCase())
          .filter(Boolean),
      )
      .default([]),
    /** Refuse the disposable-address domains of the `disposable-email-domains` package too. */
    BLOCK_DISPOSABLE_DOMAINS: bool.default(false),
    /** PBKDF2 iterations per attempt, and the largest attempt count, of a challenge (well under 1 s on a phone). */
    SUBSCRIBE_CHALLENGE_COST: int(1, 1_000_000).default(1000),
    SUBSCRIBE_CHALLENGE_MAX_NUMBER: int(2, 100_000_000).default(1000),
    /** How long a challenge may be solved and submitted (and a solved one is remembered against replay). */
    SUBSCRIBE_CHALLENGE_TTL_MS: int(10_000, 86_400_000).default(600_000),
    /**
     * Confirmation mail budgets (README "Confirmation mail budgets"): at most this many confirmation mails
     * to one recipient domain, and to all domains together, per clock hour, across every worker. Above them
     * the sign-up is stored and its confirmation waits for a later hour (delayed, never dropped). 0: no
     * such budget.
     */
    CONFIRMATIONS_PER_DOMAIN_PER_HOUR: int(0, 1_000_000).default(50),
    CONFIRMATIONS_PER_HOUR: int(0, 1_000_000_000).default(1000),
    SEND_RATE_PER_SECOND: int(1, 1000000).default(5000),
    SEND_RATE_PER_HOUR: int(1, 1000000000).optional(),
    SEND_CONCURRENCY: int(1, 64).default(4),
    SEND_BATCH_SIZE: int(1, 5000).default(500),
    SEND_MAX_ATTEMPTS: int(1, 50).default(5),
    SEND_BACKOFF_MS: int(10, 3600000).default(5000),
    SEND_MAX_CONSECUTIVE_FAILURES: int(1, 100000).default(50),
    DKIM_DOMAIN: z.string().trim().min(1).optional(),
    DKIM_SELECTOR: z.string().trim().min(1).optional(),
    DKIM_PRIVATE_KEY: z.string().min(1).optional(),
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Each worker serves its own Prometheus /metrics on HOST:WORKER_METRICS_PORT; 0 turns it off. */
    WORKER_METRICS_PORT: int(0, 65535).default(9465),
    /**
     * What the service records about readers after a send (issue 15; README "What we record about readers"):
     * `off` sends links as written; `aggregate` counts clicks per link and estimates unique clickers without
     * storing who clicked; `individual` records each delivery's clicks (shown in the reader's history and
     * data export).
     */
    TRACKING: z.enum(['off', 'aggregate', 'individual']).default('aggregate'),
    /** An open pixel in campaign messages; only with TRACKING=individual (ignored otherwise). */
    OPEN_TRACKING: bool.default(false),
    /**
     * Link redirects one client address may ask for in 10 s before it is answered 429 (a reader clicks a
     * few links; a scanner behind a company gateway clicks every link of every colleague's copy).
     */
    CLICK_RATE_LIMIT: int(10, 1_000_000).default(600),
    /**
     * A click this soon after its message was sent is a machine's (a gateway scanning mail on arrival): no
     * person opens, reads and clicks in a few seconds.
     */
    CLICK_MACHINE_AFTER_SEND_S: int(0, 600).default(5),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * How long /health/ready reuses the mail transport's last check (up or down): each check opens an SMTP
     * connection (and logs in), which relays rate-limit and block on. 0 checks on every call.
     */
    HEALTH_MAIL_CHECK_CACHE_MS: int(0, 3600000).default(30000),
    /** The inbound SMTP server (apps/inbound): bounces, complaints and mailto unsubscribes come back here. */
    INBOUND_SMTP_PORT: int(1, 65535).default(2525),
    INBOUND_HOST: z.string().min(1).default('0.0.0.0'),
    /**
     * Domain of the addresses the inbound server accepts (VERP `bounces+<token>@`, `unsubscribe+<token>@`);
     * its MX record must point at the inbound server. Default: the MAIL_FROM domain.
     */
    BOUNCE_DOMAIN: z
      .string()
      .trim()
      .toLowerCase()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
        'must be a domain name',
      )
      .optional(),
    /** PEM certificate and key (file paths) for STARTTLS on the inbound server; both or neither. */
    INBOUND_TLS_CERT: z.string().min(1).optional(),
    INBOUND_TLS_KEY: z.string().min(1).optional(),
    /** Largest message the inbound server takes (552 above it). */
    INBOUND_MAX_MESSAGE_BYTES: int(10_000, 50_000_000).default(2 * 1024 * 1024),
    /** Simultaneous connections from one client address (421 above it). */
    INBOUND_MAX_CONNECTIONS_PER_CLIENT: int(1, 1000).default(10),
    /** A client silent this long is disconnected. */
    INBOUND_SOCKET_TIMEOUT_MS: int(1000, 600000).default(60000),
    /** Amazon SES through SNS: the topic ARNs whose notifications are accepted (comma-separated). */
    SNS_TOPIC_ARNS: z
      .string()
      .trim()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .optional(),
    /** Mailgun's webhook signing key (HMAC-SHA256 of timestamp + token). */
    MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(16).optional(),
    /** SendGrid's signed event webhook verification key (ECDSA public key, base64 DER or PEM). */
    SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(16).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER_NODES) {
      // Scripts and transactions (BullMQ's, the send rate's, the limits') touch several keys at once, which a
      // cluster allows only within one hash slot: every key starts with the prefix, so its hash tag decides.
      if (env.REDIS_PREFIX !== undefined && redisHashTag(env.REDIS_PREFIX) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_PREFIX'],
          message:
            'must contain a hash tag such as {nl} when REDIS_CLUSTER_NODES is set (all keys in one slot)',
        });
      }
      const db = redisUrlDatabase(env.REDIS_URL);
      if (db !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_URL'],
          message:
            'must name no database (or /0) when REDIS_CLUSTER_NODES is set: a cluster has database 0 only',
        });
      }
    }
    if (env.NODE_ENV === 'production' && !env.SECRET_KEY) {
      ctx.addIssue({ code: 'custom', path: ['SECRET_KEY'], message: 'is required when NODE_ENV=production' });
    }
    if (env.NODE_ENV === 'production') {
      // A secret everyone can read is no secret: examples from this repository, placeholders, short values.
      for (const name of SECRET_VARIABLES) {
        const value = env[name];
        const problem = value === undefined ? undefined : productionSecretProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
      // Passwords inside service URLs are other systems' credentials (no length rule), but never published ones.
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL'] as const) {
        const password = urlPassword(env[name]);
        if (password !== undefined && PUBLISHED_SECRET_VALUES.includes(password)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'has a password published in this repository: set a random one',
          });
        }
      }
    }
    if ((env.INBOUND_TLS_CERT === undefined) !== (env.INBOUND_TLS_KEY === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_TLS_CERT'],
        message: 'INBOUND_TLS_CERT and INBOUND_TLS_KEY must be set together',
      });
    }
    const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY].filter(Boolean).length;
    if (dkim !== 0 && dkim !== 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['DKIM_DOMAIN'],
        message: 'DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY must be set together',
      });
    }
  })
  // Keys of a single Redis keep the prefix they always had (a changed default would orphan queued jobs); a cluster
  // gets one with a hash tag, so every key of the deployment lands in one slot.
  .transform(({ REDIS_PREFIX, ...env }) => ({
    ...env,
    REDIS_PREFIX: REDIS_PREFIX ?? (env.REDIS_CLUSTER_NODES ? '{nl}' : 'nl'),
  }));

/** The port-bearing node list of REDIS_CLUSTER_NODES, or what is wrong with it. */
function parseClusterNodes(value: string): { host: string; port: number }[] | string {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return 'must list at least one node as host:port';
  const nodes: { host: string; port: number }[] = [];
  for (const item of items) {
    // host:port, or [v6-address]:port
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(item);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) return `"${item}" is not host:port (nodes are separated by commas)`;
    nodes.push({ host: m[1] ?? m[2]!, port });
  }
  return nodes;
}

/**
 * The hash tag of a Redis key, as the cluster computes slots: the text between the first "{" and the first "}"
 * after it, when not empty; undefined when the key has none (the whole key is then hashed).
 */
export function redisHashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** The database number in a redis:// URL's path (0 when none), NaN when it is not a number. */
function redisUrlDatabase(url: string): number {
  const path = new URL(url).pathname.replace(/^\//, '');
  return path === '' ? 0 : /^\d+$/.test(path) ? Number(path) : NaN;
}

function urlPassword(url: string | undefined): string | undefined {
  try {
    const p = url ? decodeURIComponent(new URL(url).password) : '';
    return p || undefined;
  } catch {
    return undefined;
  }
}

export type Env = z.infer<typeof envSchema>;
