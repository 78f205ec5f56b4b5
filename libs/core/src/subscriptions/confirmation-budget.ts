import { AppConfig } from '@app/config';
import { createRedisClient, type RedisClient } from '@app/queue';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { RateLimitedError } from '../common/domain.errors';

/** The budgets count per clock hour (windows aligned to the epoch, as SEND_RATE_PER_HOUR's). */
export const CONFIRMATION_BUDGET_WINDOW_MS = 3_600_000;

/**
 * How far ahead a confirmation may be booked: two weeks of hours. A backlog deeper than that (a flood of
 * sign-ups at one domain) waits until the horizon and then books again, so one booking never scans more.
 */
const HORIZON_WINDOWS = 24 * 14;

/**
 * A backlog entry whose booked time passed this long ago without its job sending or booking again belongs to
 * a job that is gone (removed from the queue by hand): it is no longer shown as waiting.
 */
const STALE_AFTER_MS = 24 * 3_600_000;

/** How long a budget command may take before the worker sends without it (fail open). */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * Shared by the scripts: KEYS[1] is the base key. `<base>:count:<window>` is a hash per clock hour holding
 * the confirmations counted (sent or booked) in it, in total (field `*`, never a domain name) and per
 * domain; `<base>:deferred` the waiting subscribers (sorted set, score = booked time in ms);
 * `<base>:deferred:domain` their domains; `<base>:deferred:domains` how many wait per domain (sorted set, so
 * the top domains are one read). The clock is Redis's own (TIME), so every worker agrees on the hour.
 */
const COMMON_LUA = `
local base = KEYS[1]
local deferred, owner, domains = base .. ':deferred', base .. ':deferred:domain', base .. ':deferred:domains'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function leave(sid)
  if redis.call('ZREM', deferred, sid) == 0 then return nil end
  local d = redis.call('HGET', owner, sid)
  redis.call('HDEL', owner, sid)
  if d and tonumber(redis.call('ZINCRBY', domains, -1, d)) <= 0 then redis.call('ZREM', domains, d) end
  return d
end
`;

/**
 * take(sid, domain, windowMs, perDomain, total, horizon) → {1} send now (counted), or {0, waitMs, reason}
 * where reason 1 = the domain's budget, 2 = the total, 3 = both, 0 = waiting for the hour booked earlier.
 * A subscriber already booked into a later hour waits for it; one whose booked hour has come sends (it was
 * counted when booked); one whose hour passed unused (workers were down) books again, so a backlog that
 * piled up is not sent all at once. Otherwise the first hour with room in both budgets is counted: this one
 * (send now) or a later one (booked, spread over that hour by its place in it).
 */
const TAKE_LUA = `${COMMON_LUA}
local sid, domain = ARGV[1], ARGV[2]
local W, perDomain, total, horizon = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local w = math.floor(now / W)
local booked = tonumber(redis.call('ZSCORE', deferred, sid))
if booked then
  local bw = math.floor(booked / W)
  if bw > w then return {0, booked - now, 0} end
  leave(sid)
  if bw == w then return {1, 0, 0} end
end
local reason = 0
for i = 0, horizon - 1 do
  local key = base .. ':count:' .. (w + i)
  local c = redis.call('HMGET', key, '*', domain)
  local all, mine = tonumber(c[1]) or 0, tonumber(c[2]) or 0
  local allFull, mineFull = total > 0 and all >= total, perDomain > 0 and mine >= perDomain
  if i == 0 then
    if mineFull then reason = reason + 1 end
    if allFull then reason = reason + 2 end
  end
  if not allFull and not mineFull then
    redis.call('HINCRBY', key, '*', 1)
    redis.call('HINCRBY', key, domain, 1)
    redis.call('PEXPIREAT', key, (w + i + 2) * W)
    if i == 0 then return {1, 0, 0} end
    local share = 0
    if total > 0 then share = all / total end
    if perDomain > 0 and mine / perDomain > share then share = mine / perDomain end
    local at = (w + i) * W + math.floor(share * W)
    redis.call('ZADD', deferred, at, sid)
    redis.call('HSET', owner, sid, domain)
    redis.call('ZINCRBY', domains, 1, domain)
    return {0, at - now, reason}
  end
end
return {0, (w + horizon) * W - now, reason}
`;

/**
 * forget(sid, windowMs): the subscriber's confirmation will not be sent (confirmed, unsubscribed, erased, or
 * sent by another job): it leaves the backlog, and a booked hour still to come gets its place back.
 */
const FORGET_LUA = `${COMMON_LUA}
local sid, W = ARGV[1], tonumber(ARGV[2])
local booked = tonumber(redis.call('ZSCORE', deferred, sid))
if not booked then return 0 end
local d = leave(sid)
local bw = math.floor(booked / W)
if bw >= math.floor(now / W) then
  local key = base .. ':count:' .. bw
  redis.call('HINCRBY', key, '*', -1)
  if d then redis.call('HINCRBY', key, d, -1) end
end
return 1
`;

/** backlog(top, staleMs) → {waiting, earliest booked ms or -1, domain1, count1, ...}; drops stale entries. */
const BACKLOG_LUA = `${COMMON_LUA}
local top, stale = tonumber(ARGV[1]), tonumber(ARGV[2])
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', deferred, '-inf', '(' .. (now - stale))) do leave(sid) end
local first = redis.call('ZRANGE', deferred, 0, 0, 'WITHSCORES')
local out = {redis.call('ZCARD', deferred), tonumber(first[2]) or -1}
if top > 0 then
  for _, v in ipairs(redis.call('ZREVRANGE', domains, 0, top - 1, 'WITHSCORES')) do out[#out + 1] = v end
end
return out
`;

type BudgetRedis = RedisClient & {
  confirmationTake(
    base: string,
    sid: number,
    domain: string,
    windowMs: number,
    perDomain: number,
    total: number,
    horizon: number,
  ): Promise<[number, number, number]>;
  confirmationForget(base: string, sid: number, windowMs: number): Promise<number>;
  confirmationBacklog(base: string, top: number, staleMs: number): Promise<(string | number)[]>;
};

/** The confirmation mails waiting for a budget: how many, for which domains, the next one's booked time. */
export interface ConfirmationBacklog {
  waiting: number;
  /** The domains with the most mails waiting, most first. */
  domains: { domain: string; waiting: number }[];
  /** When the first of them is booked to go (null when none waits). */
  next: Date | null;
}

/** Which budget held a confirmation back (`booked`: it waits for the hour it was booked into earlier). */
export type ConfirmationBudgetScope = 'domain' | 'total' | 'domain and total' | 'booked';

const SCOPES: Record<number, ConfirmationBudgetScope> = {
  0: 'booked',
  1: 'domain',
  2: 'total',
  3: 'domain and total',
};

/**
 * A confirmation mail may not go now: its hour's budget is spent, and it is booked into a later hour. The
 * worker maps it (as every RateLimitedError) to a delayed job, not a failed attempt.
 */
export class ConfirmationDelayedError extends RateLimitedError {
  constructor(
    readonly subscriberId: number,
    readonly domain: string,
    readonly scope: ConfirmationBudgetScope,
    readonly delayMs: number,
  ) {
    super(
      `confirmation for subscriber ${subscriberId} (@${domain}) delayed ${Math.ceil(delayMs / 1000)} s: ${scope} budget`,
      delayMs / 1000,
      { domain, scope },
    );
  }
}

/** The recipient domain of a stored address (its domain is stored lowercased, in ASCII). */
export function recipientDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Confirmation mail budgets (CONFIRMATIONS_PER_DOMAIN_PER_HOUR, CONFIRMATIONS_PER_HOUR), counted in Redis
 * per clock hour so that they hold across every worker; the worker asks just before it sends. Above a
 * budget the confirmation is booked into the first later hour with room and its job waits until then: a
 * list-bombing wave is stored and sent over the following hours, never dropped.
 *
 * Redis not answering within a second fails open: the confirmation goes out uncounted (logged). A reader
 * waiting for a budget that cannot be read is worse than one more mail to a domain.
 *
 * Its own connection, opened on first use (the API only reads the backlog), which fails a command at once
 * while Redis is away instead of queueing it as BullMQ's clients do.
 */
@Injectable()
export class ConfirmationBudget implements OnApplicationShutdown {
  private readonly logger = new Logger(ConfirmationBudget.name);
  private redis?: BudgetRedis;
  private wasReady = false;
  private readonly base: string;
  private readonly perDomain: number;
  private readonly total: number;
  /** When each "budget reached" warning was last logged (a flood would otherwise log every job). */
  private readonly warned = new Map<string, number>();

  constructor(private readonly config: AppConfig) {
    // A hash tag keeps every key of a script in one slot on a Redis Cluster.
    this.base = `${config.env.REDIS_PREFIX}:{confirmation-budget}`;
    this.perDomain = config.env.CONFIRMATIONS_PER_DOMAIN_PER_HOUR;
    this.total = config.env.CONFIRMATIONS_PER_HOUR;
  }

  /** Whether either budget is on (both 0: every confirmation goes at once, nothing is counted). */
  get enabled(): boolean {
    return this.perDomain > 0 || this.total > 0;
  }

  get limits(): { perDomain: number; total: number } {
    return { perDomain: this.perDomain, total: this.total };
  }

  /**
   * Counts one confirmation to `email`'s domain against this hour's budgets, or throws
   * ConfirmationDelayedError with the time it is booked for. Asking again for the same subscriber keeps
   * its booking (a retried or duplicated job does not book twice).
   */
  async take(subscriberId: number, email: string): Promise<void> {
    if (!this.enabled) return;
    const domain = recipientDomain(email);
    let answer: [number, number, number];
    try {
      answer = await this.run((r) =>
        r.confirmationTake(
          this.base,
          subscriberId,
          domain,
          CONFIRMATION_BUDGET_WINDOW_MS,
          this.perDomain,
          this.total,
          HORIZON_WINDOWS,
        ),
      );
    } catch (err) {
      this.warnOnce(
        'redis',
        `confirmation budgets unavailable (Redis): sending subscriber ${subscriberId}'s confirmation uncounted: ${(err as Error).message}`,
      );
      return;
    }
    const [ok, waitMs, reason] = answer;
    if (ok === 1) return;
    const scope = SCOPES[reason] ?? 'booked';
    const error = new ConfirmationDelayedError(subscriberId, domain, scope, Math.max(1000, waitMs));
    if (scope === 'booked') this.logger.debug(error.message);
    else
      this.warnOnce(
        `${scope}:${scope === 'total' ? '' : domain}`,
        `confirmation budget reached (${this.describe(scope, domain)}): further confirmations are stored and ` +
          `sent in the next hours; ${error.message}`,
      );
    throw error;
  }

  /** The subscriber's confirmation will not be sent by this job: leaves the backlog (best effort). */
  async forget(subscriberId: number): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.run((r) => r.confirmationForget(this.base, subscriberId, CONFIRMATION_BUDGET_WINDOW_MS));
    } catch (err) {
      // A left-over entry only shows in the backlog until STALE_AFTER_MS; it never sends anything.
      this.logger.debug(`confirmation backlog not updated for subscriber ${subscriberId}: ${String(err)}`);
    }
  }

  /** The confirmations waiting for a budget (throws when Redis does not answer). */
  async backlog(top = 10): Promise<ConfirmationBacklog> {
    const raw = await this.run((r) => r.confirmationBacklog(this.base, top, STALE_AFTER_MS));
    const domains: ConfirmationBacklog['domains'] = [];
    for (let i = 2; i + 1 < raw.length; i += 2)
      domains.push({ domain: String(raw[i]), waiting: Number(raw[i + 1]) });
    const next = Number(raw[1]);
    return { waiting: Number(raw[0]), domains, next: next < 0 ? null : new Date(next) };
  }

  private describe(scope: ConfirmationBudgetScope, domain: string): string {
    const d = `${this.perDomain} per hour to ${domain}`;
    const t = `${this.total} per hour in total`;
    return scope === 'domain' ? d : scope === 'total' ? t : `${d}, ${t}`;
  }

  private warnOnce(key: string, message: string): void {
    const now = Date.now();
    if ((this.warned.get(key) ?? 0) > now - 60_000) return;
    if (this.warned.size > 1000) this.warned.clear();
    this.warned.set(key, now);
    this.logger.warn(message);
  }

  private async run<T>(command: (r: BudgetRedis) => Promise<T>): Promise<T> {
    const r = this.client();
    if (this.wasReady && r.status !== 'ready') throw new Error(`Redis connection ${r.status}`);
    return command(r);
  }

  private client(): BudgetRedis {
    if (!this.redis) {
      const redis = createRedisClient(this.config.env, {
        maxRetriesPerRequest: 1,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectionName: 'confirmation-budget',
      });
      redis.on('error', () => undefined); // reported by take() (fail open) and backlog() (its callers)
      redis.on('ready', () => (this.wasReady = true));
      redis.defineCommand('confirmationTake', { numberOfKeys: 1, lua: TAKE_LUA });
      redis.defineCommand('confirmationForget', { numberOfKeys: 1, lua: FORGET_LUA });
      redis.defineCommand('confirmationBacklog', { numberOfKeys: 1, lua: BACKLOG_LUA });
      this.redis = redis as BudgetRedis;
    }
    return this.redis;
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
