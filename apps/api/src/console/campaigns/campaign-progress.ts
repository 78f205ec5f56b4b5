import type { CampaignView } from '@app/core';
import { CampaignStatus } from '@app/database';

/**
 * Rate and ETA as the campaign page shows them before any script runs. The live script (campaign-live.script.ts)
 * applies the same rules and formats, and replaces the rate by one measured over its last few samples while
 * the campaign runs, so the first paint and the live updates agree.
 */

export const TERMINAL_STATUSES: readonly CampaignStatus[] = [
  CampaignStatus.Completed,
  CampaignStatus.Cancelled,
];

export interface Progress {
  /** Recipients with a final state (sent, failed, bounced, skipped). */
  done: number;
  total: number;
  /** 0–100, one decimal; null while there is no recipient yet. */
  percent: number | null;
  /** Messages per second; null when it means nothing (not started, paused). */
  rate: number | null;
  rateBasis: string;
  etaText: string;
}

export function progressOf(c: CampaignView, now = Date.now()): Progress {
  const done = c.total - c.pending;
  const percent = c.total > 0 ? Math.floor((done / c.total) * 1000) / 10 : null;
  const started = c.startedAt ? Date.parse(c.startedAt) : NaN;
  const end = c.finishedAt ? Date.parse(c.finishedAt) : now;
  const seconds = (end - started) / 1000;
  const average = Number.isFinite(seconds) && seconds > 0 ? done / seconds : null;

  switch (c.status) {
    case CampaignStatus.Running:
      return {
        done,
        total: c.total,
        percent,
        rate: average,
        rateBasis: 'average since start',
        etaText: etaText(c.pending, average, now),
      };
    case CampaignStatus.Completed:
      return {
        done,
        total: c.total,
        percent,
        rate: average,
        rateBasis: 'average over the send',
        etaText: 'done',
      };
    case CampaignStatus.Cancelled:
      return {
        done,
        total: c.total,
        percent,
        rate: average,
        rateBasis: 'average until cancelled',
        etaText: '—',
      };
    case CampaignStatus.Paused:
      return { done, total: c.total, percent, rate: null, rateBasis: 'paused', etaText: 'paused' };
    default:
      return { done, total: c.total, percent, rate: null, rateBasis: 'not started', etaText: '—' };
  }
}

export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  return `${rate >= 100 ? Math.round(rate).toString() : rate.toFixed(1)} msg/s`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function etaText(pending: number, rate: number | null, now = Date.now()): string {
  if (pending === 0) return 'finishing';
  if (rate === null || !(rate > 0)) return '—';
  const seconds = pending / rate;
  const at = new Date(now + seconds * 1000).toISOString().slice(11, 16);
  return `${formatDuration(seconds)} (about ${at} UTC)`;
}

/** A badge class by status: the text says the status too, colour is only a hint. */
export function statusClass(status: CampaignStatus): string {
  switch (status) {
    case CampaignStatus.Completed:
      return 'status-ok';
    case CampaignStatus.Cancelled:
      return 'status-bad';
    case CampaignStatus.Paused:
      return 'status-warn';
    default:
      return '';
  }
}
