import type { AppConfig } from '@app/config';

/**
 * The spam complaint rate a bulk sender must stay under (Gmail's and Yahoo's sender requirements, 2024: 0.3 %
 * of delivered messages; they advise staying under 0.1 %). The console highlights a campaign at or above it.
 */
export const COMPLAINT_RATE_LIMIT = 0.003;

/**
 * A campaign's bounce and complaint rates from its delivery counts (null while the denominator is 0).
 * Bounces are counted against every message with an outcome at a mail server (sent, bounced, complained);
 * complaints against the messages delivered (sent, complained), as the mailbox providers count them.
 * The Prometheus gauges compute the same in SQL (LedgerMetricsRepository).
 */
export function feedbackRates(c: { sent: number; bounced: number; complained: number }): {
  bounceRate: number | null;
  complaintRate: number | null;
} {
  const delivered = c.sent + c.complained;
  const outcomes = delivered + c.bounced;
  return {
    bounceRate: outcomes > 0 ? c.bounced / outcomes : null,
    complaintRate: delivered > 0 ? c.complained / delivered : null,
  };
}

/**
 * How the pause reason of a campaign the sender paused by itself (too many consecutive failures) begins: the
 * metric newsletter_campaign_auto_paused tells it from an administrator's pause by it.
 */
export const AUTO_PAUSE_REASON_PREFIX = 'Paused automatically';

/** How often each worker looks for campaigns needing a check or a start (the heartbeat has its own timer). */
export const WATCHDOG_INTERVAL_MS = 2000;

/** Period of the CheckCampaign job of a running campaign. */
export const CHECK_INTERVAL_MS = 5000;

/**
 * A running campaign whose ledger has not moved for this long while deliveries are still queued is searched
 * for deliveries that no job covers (lost with a Redis flush or restart, or written by a fan-out that died
 * before enqueueing them).
 */
export const ORPHAN_SCAN_AFTER_MS = 10000;

/**
 * A fan-out range holds about this many delivery jobs' worth of recipients (SEND_BATCH_SIZE each): 1,000
 * recipients per range with the default batch of 500, so 1,000,000 readers are 1,000 range jobs.
 */
export const FAN_OUT_RANGE_BATCHES = 2;

/** Range jobs are enqueued in addBulk calls of this many (one Redis round trip each). */
export const FAN_OUT_ENQUEUE_PAGE = 1000;

/** A worker whose heartbeat is older than this is taken for dead and its in-flight sends are released. */
export const WORKER_DEAD_AFTER_SECONDS = 15;

/**
 * A claim older than this is released even if its worker still beats: one chunk of sends cannot take longer
 * than a few SMTP timeouts (connection, greeting and socket), so the worker is stuck.
 */
export function sendLeaseSeconds(config: AppConfig): number {
  return Math.max(60, Math.ceil((10 * config.env.SMTP_TIMEOUT_MS) / 1000));
}

/** Deterministic BullMQ job ids: adding the same id twice is a no-op while the first is still in Redis. */
export const jobIds = {
  start: (campaignId: number) => `c${campaignId}-start`,
  fanOut: (campaignId: number) => `c${campaignId}-fanout`,
  /** A range of the snapshot: range ids are never reused, so a restarted campaign's ranges get new job ids. */
  range: (campaignId: number, rangeId: number) => `c${campaignId}-r${rangeId}`,
  /** A range job re-created after it was lost (a Redis flush): unique, like the requeues below. */
  rangeAgain: (campaignId: number, rangeId: number) =>
    `c${campaignId}-r${rangeId}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`,
  check: (campaignId: number, at = Date.now()) =>
    `c${campaignId}-check-${Math.floor(at / CHECK_INTERVAL_MS)}`,
  /** Fan-out batches: a re-run of the fan-out over the same rows cannot enqueue them twice. */
  batch: (campaignId: number, firstDeliveryId: number) => `c${campaignId}-b${firstDeliveryId}`,
  /** Re-enqueues (retry, resume, recovery, send-missed) are not repeats of earlier jobs: unique ids. */
  requeue: (campaignId: number, tag: string, firstDeliveryId: number) =>
    `c${campaignId}-${tag}${firstDeliveryId}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`,
};
