import { AppConfig } from '@app/config';
import { OPEN_LINK_INDEX } from '@app/database';
import { trackedLinkTargets } from '@app/email';
import { createRedisClient, type RedisClient } from '@app/queue';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type LinkTokenClaims, TokenPurpose, TokenService } from '../tokens/token.service';
import { ClickRepository, type ClickCountRow, type DeliveryClickRow } from './click.repository';
import { isLinkScanner } from './link-scanners';

export type ClickKind = 'human' | 'machine';

/** Counts are written at least this often: at most this much is lost if the API process is killed. */
export const CLICK_FLUSH_INTERVAL_MS = 1000;
/** Clicks on two different links of one message within this window are a scanner's, not a reader's. */
export const MULTI_LINK_WINDOW_MS = 2000;
/** While PostgreSQL is away the buffer keeps at most this many clicks (then the oldest are dropped). */
const MAX_BUFFERED = 200_000;
/** Campaigns whose link lists one process keeps. */
const LINK_CACHE_SIZE = 64;

interface Click {
  campaignId: number;
  linkIndex: number;
  deliveryId: number;
  at: number;
  kind: ClickKind;
  /** Written to PostgreSQL already: a reclassification then goes as an adjustment. */
  flushed: boolean;
}

export interface ClickRequest {
  token: unknown;
  /** TokenPurpose.Link: a link (answer: its URL); TokenPurpose.Open: the open pixel. */
  purpose: TokenPurpose.Link | TokenPurpose.Open;
  method: string;
  userAgent: string | undefined;
}

export type ClickOutcome = { ok: true; url: string | null; kind: ClickKind | null } | { ok: false };

/**
 * The redirect's bookkeeping (issue 15). A click is classified and buffered in memory; a timer writes the
 * buffer every second (counts per link and hour; per-delivery rows in individual mode; unique-clicker
 * estimates as Redis HyperLogLogs of delivery ids). The redirect never waits on PostgreSQL or Redis, except
 * to read a campaign's link list the first time this process sees the campaign (kept afterwards). While
 * PostgreSQL is down the buffer is kept and retried; while Redis is down unique estimates miss those clicks.
 */
@Injectable()
export class ClickTracker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClickTracker.name);
  private readonly links = new Map<number, string[] | null>();
  private readonly loading = new Map<number, Promise<string[] | null>>();
  private readonly recent = new Map<number, Click[]>();
  private pending: Click[] = [];
  private adjust: Click[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private redisClient: RedisClient | undefined;
  /** The time of the latest click (the clock the 2-second window is pruned by). */
  private latest = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly repo: ClickRepository,
  ) {}

  /** Connects to Redis at boot, so the first flush finds the connection up. */
  onModuleInit(): void {
    if (this.mode !== 'off') this.redis();
  }

  get mode(): 'off' | 'aggregate' | 'individual' {
    return this.config.env.TRACKING;
  }

  /**
   * Resolves a link (or open) token: the link's URL and how the click counted, or { ok: false } for a
   * token that is malformed, forged, of an unknown campaign or link. Records nothing with TRACKING=off.
   */
  async click(req: ClickRequest, now = Date.now()): Promise<ClickOutcome> {
    const claims = this.tokens.verifyLink(req.token, req.purpose);
    if (!claims) return { ok: false };
    let url: string | null = null;
    if (req.purpose === TokenPurpose.Link) {
      const list = this.links.get(claims.campaignId) ?? (await this.loadLinks(claims.campaignId));
      url = list?.[claims.linkIndex] ?? null;
      if (url === null) return { ok: false };
    }
    if (this.mode === 'off') return { ok: true, url, kind: null };
    const kind = this.classify(claims, req, now);
    this.buffer(claims, kind, now);
    return { ok: true, url, kind };
  }

  private classify(claims: LinkTokenClaims, req: ClickRequest, now: number): ClickKind {
    if (req.method === 'HEAD' || isLinkScanner(req.userAgent)) return 'machine';
    if (now / 1000 - claims.sentAt < this.config.env.CLICK_MACHINE_AFTER_SEND_S) return 'machine';
    if (claims.linkIndex === OPEN_LINK_INDEX) return 'human';
    const recent = (this.recent.get(claims.deliveryId) ?? []).filter(
      (c) => now - c.at < MULTI_LINK_WINDOW_MS,
    );
    const others = recent.filter((c) => c.linkIndex !== claims.linkIndex && c.linkIndex !== OPEN_LINK_INDEX);
    if (others.length === 0) return 'human';
    // Several links of one message in two seconds: this click and the earlier ones were a scanner's.
    for (const c of others) {
      if (c.kind !== 'human') continue;
      c.kind = 'machine';
      if (c.flushed) this.adjust.push(c);
    }
    return 'machine';
  }

  private buffer(claims: LinkTokenClaims, kind: ClickKind, now: number): void {
    this.latest = Math.max(this.latest, now);
    const click: Click = {
      campaignId: claims.campaignId,
      linkIndex: claims.linkIndex,
      deliveryId: claims.deliveryId,
      at: now,
      kind,
      flushed: false,
    };
    this.pending.push(click);
    const recent = this.recent.get(claims.deliveryId);
    if (recent) recent.push(click);
    else this.recent.set(claims.deliveryId, [click]);
    if (this.pending.length > MAX_BUFFERED) {
      const dropped = this.pending.length - MAX_BUFFERED;
      this.pending.splice(0, dropped);
      this.logger.warn(`click buffer full: ${dropped} clicks dropped`);
    }
    this.timer ??= setInterval(() => void this.flush(), CLICK_FLUSH_INTERVAL_MS).unref();
  }

  private async loadLinks(campaignId: number): Promise<string[] | null> {
    let p = this.loading.get(campaignId);
    if (!p) {
      p = this.repo
        .campaignContent(campaignId)
        .then((content) => (content ? trackedLinkTargets(content) : null));
      this.loading.set(campaignId, p);
    }
    try {
      const list = await p;
      this.links.set(campaignId, list);
      while (this.links.size > LINK_CACHE_SIZE) this.links.delete(this.links.keys().next().value!);
      return list;
    } finally {
      this.loading.delete(campaignId);
    }
  }

  /** Writes what the buffer holds (also called at shutdown and by tests). Never throws. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const now = this.latest;
    for (const [id, list] of this.recent) {
      const kept = list.filter((c) => now - c.at < MULTI_LINK_WINDOW_MS);
      if (kept.length) this.recent.set(id, kept);
      else this.recent.delete(id);
    }
    const batch = this.pending;
    const adjust = this.adjust;
    if (batch.length === 0 && adjust.length === 0) return;
    this.pending = [];
    this.adjust = [];
    let written: Click[];
    try {
      written = await this.writeToDatabase(batch, adjust);
    } catch (err) {
      // PostgreSQL away: keep everything for the next attempt (bounded by MAX_BUFFERED).
      this.pending = batch.concat(this.pending).slice(-MAX_BUFFERED);
      this.adjust = adjust.concat(this.adjust);
      this.logger.warn(`clicks not written yet (${batch.length} buffered): ${(err as Error).message}`);
      return;
    }
    await this.addUniques(written.filter((c) => c.kind === 'human'));
  }

  /** The clicks written (erased readers' left out), after the counts and rows are in. */
  private async writeToDatabase(batch: Click[], adjust: Click[]): Promise<Click[]> {
    const ids = [...new Set([...batch, ...adjust].map((c) => c.deliveryId))];
    const erased = await this.repo.erasedDeliveries(ids);
    const kept = batch.filter((c) => !erased.has(c.deliveryId));
    const moved = adjust.filter((c) => !erased.has(c.deliveryId));
    const counts = new Map<string, ClickCountRow>();
    const count = (c: Click, human: number, machine: number) => {
      const hour = Math.floor(c.at / 3_600_000) * 3_600_000;
      const key = `${c.campaignId}:${c.linkIndex}:${hour}`;
      const row = counts.get(key) ?? {
        campaignId: c.campaignId,
        linkIndex: c.linkIndex,
        hour: new Date(hour),
        human: 0,
        machine: 0,
      };
      row.human += human;
      row.machine += machine;
      counts.set(key, row);
    };
    for (const c of kept) count(c, c.kind === 'human' ? 1 : 0, c.kind === 'machine' ? 1 : 0);
    for (const c of moved) count(c, -1, 1);
    const row = (c: Click): DeliveryClickRow => ({
      deliveryId: c.deliveryId,
      linkIndex: c.linkIndex,
      machine: c.kind === 'machine',
      clickedAt: new Date(c.at),
    });
    await this.repo.addCounts([...counts.values()]);
    if (this.mode === 'individual') {
      await this.repo.addDeliveryClicks(kept.map(row));
      await this.repo.markMachine(moved.map(row));
    }
    for (const c of batch) c.flushed = true;
    return kept;
  }

  /** Unique clickers: HyperLogLogs of delivery ids per campaign and per link (they store no id). */
  private async addUniques(human: Click[]): Promise<void> {
    const links = human.filter((c) => c.linkIndex !== OPEN_LINK_INDEX);
    if (links.length === 0) return;
    const byKey = new Map<string, string[]>();
    for (const c of links) {
      for (const key of [this.hllKey(c.campaignId), this.hllKey(c.campaignId, c.linkIndex)]) {
        const list = byKey.get(key) ?? [];
        list.push(String(c.deliveryId));
        byKey.set(key, list);
      }
    }
    try {
      const pipe = this.redis().pipeline();
      for (const [key, ids] of byKey) pipe.pfadd(key, ...ids);
      await pipe.exec();
    } catch (err) {
      this.logger.warn(`unique clicker estimates missed ${links.length} clicks: ${(err as Error).message}`);
    }
  }

  /**
   * Estimated unique human clickers of a campaign (linkCount links): the whole issue and each link, or null
   * where Redis cannot answer.
   */
  async uniqueClickers(
    campaignId: number,
    linkCount: number,
  ): Promise<{ total: number | null; byLink: (number | null)[] }> {
    try {
      const pipe = this.redis().pipeline();
      pipe.pfcount(this.hllKey(campaignId));
      for (let i = 0; i < linkCount; i++) pipe.pfcount(this.hllKey(campaignId, i));
      const res = (await pipe.exec()) ?? [];
      const n = res.map(([err, v]) => (err ? null : Number(v)));
      return { total: n[0] ?? null, byLink: n.slice(1) };
    } catch {
      return { total: null, byLink: Array.from({ length: linkCount }, () => null) };
    }
  }

  private hllKey(campaignId: number, linkIndex?: number): string {
    const base = `${this.config.env.REDIS_PREFIX}:clicks:u:${campaignId}`;
    return linkIndex === undefined ? base : `${base}:${linkIndex}`;
  }

  /**
   * Its own connection (never BullMQ's, which retries forever): a command waits at most a second, so a
   * Redis outage costs a flush or a report one second, never the redirect anything.
   */
  private redis(): RedisClient {
    if (!this.redisClient) {
      this.redisClient = createRedisClient(this.config.env, {
        maxRetriesPerRequest: 1,
        commandTimeout: 1000,
        connectionName: 'clicks',
      });
      this.redisClient.on('error', () => undefined); // reported by the failing commands
    }
    return this.redisClient;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    await this.flush();
    this.redisClient?.disconnect();
  }
}
