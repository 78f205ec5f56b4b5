import type { LimitHit, LimitStore } from './limit-store';

/** How often each instance adds its clients' new hits to the shared counts and reads every instance's back. */
export const BATCHED_LIMIT_SYNC_MS = 100;

/** One client's window as this instance sees it. */
interface Window {
  ttlMs: number;
  /** When the window (as Redis has it, once synced) ends. */
  endsAt: number;
  /** Every instance's hits as Redis answered at the last sync (including ours sent so far). */
  shared: number;
  /** Our hits on their way to Redis. */
  sending: number;
  /** Our hits not yet sent. */
  pending: number;
  /** While blocked, refused without counting; afterwards a new window starts (@nestjs/throttler's semantics). */
  blockedUntil: number;
}

/**
 * A fixed-window limit decided in memory and shared through Redis in the background: the hot path (every
 * tracked-link click, issue 15) costs a map lookup instead of a Redis round trip, which was the largest part
 * of a redirect's cost beyond the bare route. Every BATCHED_LIMIT_SYNC_MS the hits of each client are added
 * to one Redis counter per client (LimitStore.add) and every instance's total read back.
 *
 * What it gives up: between two syncs each instance decides on what it knows, so N instances let one client
 * through at most N × (its requests in one sync interval) beyond the limit; one instance alone is exact. With
 * Redis away the counts stay local (each instance enforces the limit on its own share: failing open, but not
 * unlimited), each failed sync counted by `onError`.
 */
export class BatchedLimit {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;

  constructor(
    private readonly store: Pick<LimitStore, 'add'>,
    private readonly name: string,
    private readonly onError: (err: unknown) => void,
    private readonly syncMs = BATCHED_LIMIT_SYNC_MS,
  ) {}

  hit(key: string, ttlMs: number, limit: number, blockMs: number): LimitHit {
    const now = Date.now();
    let w = this.windows.get(key);
    if (w && w.blockedUntil > now) {
      return {
        totalHits: w.shared + w.sending + w.pending,
        timeToExpire: seconds(w.endsAt - now),
        isBlocked: true,
        timeToBlockExpire: Math.max(1, seconds(w.blockedUntil - now)),
      };
    }
    if (!w || now >= w.endsAt || w.blockedUntil > 0) {
      // A new window; hits of ours still on their way to Redis stay counted there.
      w = { ttlMs, endsAt: now + ttlMs, shared: 0, sending: 0, pending: 0, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    const total = w.shared + w.sending + w.pending + 1;
    if (total > limit) {
      w.blockedUntil = now + (blockMs > 0 ? blockMs : w.endsAt - now);
      return {
        totalHits: total,
        timeToExpire: seconds(w.endsAt - now),
        isBlocked: true,
        timeToBlockExpire: Math.max(1, seconds(w.blockedUntil - now)),
      };
    }
    w.pending++;
    this.start();
    return {
      totalHits: total,
      timeToExpire: seconds(w.endsAt - now),
      isBlocked: false,
      timeToBlockExpire: 0,
    };
  }

  /** Sends the pending hits and reads the shared counts back; forgets finished windows. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const now = Date.now();
      const sends: Promise<void>[] = [];
      for (const [key, w] of this.windows) {
        if (w.pending === 0) {
          if (now >= w.endsAt && now >= w.blockedUntil && w.sending === 0) this.windows.delete(key);
          continue;
        }
        const n = w.pending;
        w.pending = 0;
        w.sending += n;
        sends.push(
          this.store.add(this.name, key, n, w.ttlMs).then(
            ({ totalHits, leftMs }) => {
              w.sending -= n;
              // Redis's count already holds these n; adopt its window so every instance ends it together.
              w.shared = Math.max(w.shared + n, totalHits);
              w.endsAt = Math.min(w.endsAt, Date.now() + leftMs);
            },
            (err: unknown) => {
              w.sending -= n;
              w.shared += n;
              this.onError(err);
            },
          ),
        );
      }
      await Promise.all(sends);
    } finally {
      this.syncing = false;
      if (this.windows.size === 0) this.stop();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sync(), this.syncMs);
    this.timer.unref();
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
