/** Types of campaign-progress.js (the module the server and the browser share). */

/** What the figures are computed from: CampaignView, and the admin API's campaign JSON, have these fields. */
export interface CampaignFigures {
  status: string;
  total: number;
  pending: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the recipient list was complete: null while it is still being written (unknown when left out). */
  fannedOutAt?: string | null;
}

export interface Progress {
  /** Recipients with a final state (sent, failed, bounced, complained, skipped). */
  done: number;
  total: number;
  /** 0–100, one decimal; null while there is no recipient yet. */
  percent: number | null;
  /** Messages per second; null when it means nothing (not started, paused). */
  rate: number | null;
  rateBasis: string;
  etaText: string;
}

/** A rate the live page measured over its own samples, e.g. `{ rate: 12.5, basis: 'last 5 s' }`. */
export interface MeasuredRate {
  rate: number;
  basis: string;
}

/** The campaign's feedback rates (CampaignView has them): fractions, null before anything to count. */
export interface FeedbackFigures {
  bounceRate: number | null;
  complaintRate: number | null;
}

export interface Feedback {
  bounceRateText: string;
  complaintRateText: string;
  /** The complaint rate is at or above COMPLAINT_RATE_LIMIT (0.3 %). */
  complaintOverLimit: boolean;
  /** Said beside the rate when over the limit, else ''. */
  complaintNote: string;
}

export declare const TERMINAL_STATUSES: readonly string[];
export declare const COMPLAINT_RATE_LIMIT: number;
export declare function formatShare(fraction: number | null | undefined): string;
export declare function feedbackOf(c: FeedbackFigures): Feedback;
export declare function formatTime(d: Date | string | null | undefined): string;
export declare function formatRate(rate: number | null): string;
export declare function formatDuration(seconds: number): string;
export declare function etaText(pending: number, rate: number | null, now?: number): string;
export declare function progressOf(c: CampaignFigures, now?: number, measured?: MeasuredRate): Progress;
export declare function progressText(p: Progress): string;
export declare function statusClass(status: string): string;
