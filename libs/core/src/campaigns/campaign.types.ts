import type { CampaignStatus, DeliveryStatus } from '@app/database';

/** A campaign as the admin API shows it; the counts come from the delivery ledger. */
export interface CampaignView {
  id: number;
  editionId: number;
  editionSlug: string;
  subject: string;
  status: CampaignStatus;
  /**
   * Recipients: from the start, the confirmed readers counted at the snapshot (those whose ledger rows are not
   * written yet count as queued); once every range is written, the ledger's size (readers who left before
   * their range was written are not recipients).
   */
  total: number;
  sent: number;
  failed: number;
  bounced: number;
  /** Readers who reported the message as spam (feedback loops, providers' complaint events). */
  complained: number;
  skipped: number;
  /**
   * Bounces that came back after the message was accepted (a DSN, a provider's report: mail_feedback rows
   * whose source is not `smtp`), counted once per delivery; the deliveries are among `bounced`.
   */
  lateBounces: number;
  /** bounced / (sent + bounced + complained): of the messages with an outcome at a mail server. Null before any. */
  bounceRate: number | null;
  /** complained / (sent + complained): of the messages delivered. Null before any. */
  complaintRate: number | null;
  /** complaintRate is at or above COMPLAINT_RATE_LIMIT (Gmail's and Yahoo's bulk-sender rule: under 0.3 %). */
  complaintRateOverLimit: boolean;
  /** Not yet in a final state: queued (including retries waiting for their backoff) + sending. */
  pending: number;
  queued: number;
  sending: number;
  scheduledAt: string | null;
  startedAt: string | null;
  fannedOutAt: string | null;
  finishedAt: string | null;
  pauseReason: string | null;
  consecutiveFailures: number;
  /** Sent despite failed pre-send checks: who (null for the bootstrap token or a deleted user), when, which. */
  override: CampaignOverrideView | null;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignOverrideView {
  byUserId: number | null;
  byEmail: string | null;
  at: string;
  failedChecks: { id: string; label: string; detail: string }[];
}

/** Deliveries of one campaign by status. */
export interface DeliveryCounts {
  total: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  complained: number;
  skipped: number;
}

export interface DeliveryLogEntry {
  id: number;
  subscriberId: number;
  /** Null once the subscriber was erased. */
  email: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastResponse: string | null;
  messageId: string | null;
  sentAt: string | null;
  updatedAt: string;
}

export interface DeliveryPage {
  items: DeliveryLogEntry[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface CampaignPage {
  items: CampaignView[];
  nextCursor: string | null;
}

export interface SendMissedResult {
  /** Deliveries added for subscribers confirmed since the fan-out. */
  added: number;
  /** Failed deliveries (and skipped ones whose subscriber is confirmed again) queued once more. */
  requeued: number;
  campaign: CampaignView;
}
