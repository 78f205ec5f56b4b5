import { AppConfig } from '@app/config';
import { CampaignStatus } from '@app/database';
import {
  classifySmtpError,
  MAIL_TRANSPORT,
  MailMetrics,
  MailSendError,
  type MailTransport,
} from '@app/mailer';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { retryThroughOutage } from '../../common/retry-through-outage';
import { SendRateLimiter } from '../../send-rate/send-rate.limiter';
import { BounceService } from '../../subscriptions/bounce.service';
import { type CampaignMessage, CampaignMessageFactory, parseMailFrom } from '../campaign-message.factory';
import { CampaignRepository } from '../campaign.repository';
import { CampaignScheduler } from '../campaign-scheduler.service';
import { AUTO_PAUSE_REASON_PREFIX, sendLeaseSeconds } from '../campaign.constants';
import { type ClaimedDelivery, DeliveryRepository } from '../delivery.repository';
import { WorkerRegistry } from './worker-registry.service';

export interface BatchResult {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  bounced: number;
  skipped: number;
  /** Why the batch stopped early (the campaign is not running, or the worker is shutting down). */
  stoppedBecause?: string;
}

type SendOutcome =
  | { row: ClaimedDelivery; kind: 'sent'; response: string; order: number }
  | { row: ClaimedDelivery; kind: 'transient' | 'permanent'; response: string; order: number }
  | { row: ClaimedDelivery; kind: 'unbuildable'; response: string; order: number };

/** Longest wait between two attempts of one delivery. */
const MAX_BACKOFF_MS = 3600_000;

/**
 * Deliveries claimed (and rate tokens taken) per round, per pooled SMTP connection. With one per connection
 * the pool sat idle while each job waited on its claim, outcome and rate-limit round trips; with four the
 * same round trips cover four times the messages and the bench's end-to-end rate rose by about 30 %.
 */
const CLAIM_PER_CONNECTION = 4;

/**
 * Sends one DeliverBatch job: claims its deliveries a chunk at a time with a conditional update
 * (`queued → sending`, only while the campaign is running), sends each claimed message over the pooled
 * transport, and records the outcome of the chunk right after the SMTP replies. Nothing is sent before its
 * claim is committed, so two workers (or a job and its duplicate) never send the same delivery twice.
 */
@Injectable()
export class DeliveryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly messageIdDomain: string;
  /**
   * How long outcome writes are retried through a database outage: most of the lease, after which another
   * worker may release the claims and send again anyway (the write is conditional on still owning them).
   */
  private readonly outcomeWriteBudgetMs: number;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly messages: CampaignMessageFactory,
    private readonly limiter: SendRateLimiter,
    private readonly registry: WorkerRegistry,
    private readonly scheduler: CampaignScheduler,
    private readonly campaigns: CampaignRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly bounces: BounceService,
    private readonly metrics: MailMetrics,
  ) {
    const domain = parseMailFrom(config.env.MAIL_FROM).address.split('@')[1] ?? '';
    this.messageIdDomain = /^[A-Za-z0-9.-]+$/.test(domain) ? domain : new URL(config.env.PUBLIC_URL).hostname;
    this.outcomeWriteBudgetMs = Math.floor(sendLeaseSeconds(config) * 1000 * 0.75);
  }

  /** Shutdown: stop claiming; unclaimed deliveries of running jobs go back on the queue for another worker. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  async deliverBatch(campaignId: number, deliveryIds: number[]): Promise<BatchResult> {
    const result: BatchResult = { claimed: 0, sent: 0, retrying: 0, failed: 0, bounced: 0, skipped: 0 };
    await this.registry.ensureRegistered();
    // A re-run of this batch (stalled job, duplicate job) finds what its crashed predecessor left in `sending`.
    await this.scheduler.releaseAbandoned(campaignId, deliveryIds);
    // Only rows still queued need rate tokens: a re-run or duplicate job must not spend the send rate on
    // deliveries that are done (the claim below stays the guard against sending twice).
    const ids = await this.deliveries.stillQueued(campaignId, deliveryIds);
    if (ids.length === 0) {
      await this.scheduler.tryFinalize(campaignId);
      return result;
    }

    const status = await this.campaigns.status(campaignId);
    if (status !== CampaignStatus.Running) {
      result.stoppedBecause = `campaign is ${status ?? 'gone'}`;
      return result;
    }
    const message = await this.messages.forCampaign(campaignId);
    const chunk = Math.max(1, this.config.env.SMTP_POOL_SIZE * CLAIM_PER_CONNECTION);
    const notRunning = async () =>
      this.stopping || (await this.campaigns.status(campaignId)) !== CampaignStatus.Running;

    let i = 0;
    while (i < ids.length) {
      if (this.stopping) {
        result.stoppedBecause = 'worker is shutting down';
        await this.scheduler.enqueue(campaignId, ids.slice(i), { kind: 'requeue', tag: 's' });
        break;
      }
      const granted = await this.limiter.acquire(Math.min(chunk, ids.length - i), notRunning);
      if (granted === 0) continue; // stopping or paused while rate-limited: decided at the top / by the claim
      const slice = ids.slice(i, i + granted);
      i += granted;
      const claimed = await this.claim(campaignId, slice);
      if (claimed.length === 0) {
        const now = await this.campaigns.status(campaignId);
        if (now !== CampaignStatus.Running) {
          result.stoppedBecause = `campaign is ${now ?? 'gone'}`;
          break;
        }
        continue; // already handled by another job
      }
      result.claimed += claimed.length;
      const toSend = claimed.filter((r) => r.status === 'sending');
      result.skipped += claimed.length - toSend.length;
      const outcomes = await this.sendAll(message, toSend, (done) => this.record(campaignId, done, result));
      if (await this.trackFailures(campaignId, outcomes)) {
        result.stoppedBecause = 'campaign paused after consecutive failures';
        break;
      }
    }
    await this.scheduler.tryFinalize(campaignId);
    return result;
  }

  /**
   * One statement claims a chunk: rows still queued, of a running campaign, become `sending` (or `skipped`
   * when the subscriber is no longer confirmed) with this worker as owner, an attempt counted and a
   * Message-ID fixed for good (a resend after a crash reuses it, so receivers can spot the duplicate).
   */
  private claim(campaignId: number, ids: number[]): Promise<ClaimedDelivery[]> {
    return this.deliveries.claimQueued(
      campaignId,
      ids,
      this.registry.id,
      // A secret of the claim, never sent: each Message-ID's nonce is derived from it and the delivery id.
      randomBytes(16).toString('hex'),
      this.messageIdDomain,
    );
  }

  /**
   * Sends the chunk in parallel (the pool spreads it over its connections) and hands outcomes to `record` as
   * the SMTP replies come in, coalesced: while one write is running the next replies gather for the one
   * after. So a message is marked sent about one round trip after its 250, which is what bounds the
   * resends after a crash to the messages really in flight.
   */
  private async sendAll(
    message: CampaignMessage,
    rows: ClaimedDelivery[],
    record: (outcomes: SendOutcome[]) => Promise<void>,
  ): Promise<SendOutcome[]> {
    const recorder = new CoalescingWriter(record);
    let order = 0;
    const send = async (row: ClaimedDelivery): Promise<SendOutcome> => {
      let built: { raw: Buffer; dkimBodyHash?: string };
      try {
        built = message.buildForSending({
          email: row.email!,
          subscriberId: row.subscriber_id,
          subscriberUid: row.uid,
          deliveryId: row.id,
          messageId: row.message_id,
        });
      } catch (err) {
        return {
          row,
          kind: 'unbuildable',
          response: `not sent: ${(err as Error).message}`,
          order: order++,
        };
      }
      try {
        const res = await this.transport.send({
          kind: 'raw',
          raw: built.raw,
          dkimBodyHash: built.dkimBodyHash,
          // VERP: the envelope sender names this delivery, so a bounce arriving later is tied to it.
          envelope: { from: message.envelopeFrom(row.id), to: row.email! },
          messageId: row.message_id,
        });
        return { row, kind: 'sent', response: res.response || '250 OK', order: order++ };
      } catch (err) {
        const e = err instanceof MailSendError ? err : classifySmtpError(err);
        return { row, kind: e.kind, response: e.response ?? e.message, order: order++ };
      }
    };
    const outcomes = await Promise.all(
      rows.map(async (row) => {
        const outcome = await send(row);
        recorder.push(outcome);
        return outcome;
      }),
    );
    await recorder.drain();
    return outcomes;
  }

  /** Writes outcomes to the ledger, schedules retries and bounces subscribers rejected with 5xx. */
  private async record(campaignId: number, outcomes: SendOutcome[], result: BatchResult): Promise<void> {
    if (outcomes.length === 0) return;
    const { SEND_MAX_ATTEMPTS, SEND_BACKOFF_MS } = this.config.env;
    const ids: number[] = [];
    const statuses: string[] = [];
    const responses: string[] = [];
    const delays: (number | null)[] = [];
    const retries = new Map<number, number[]>();
    for (const o of outcomes) {
      let status: string;
      let delay: number | null = null;
      if (o.kind === 'sent') {
        status = 'sent';
        result.sent++;
      } else if (o.kind === 'permanent') {
        status = 'bounced';
        result.bounced++;
      } else if (o.kind === 'unbuildable' || o.row.attempts >= SEND_MAX_ATTEMPTS) {
        status = 'failed';
        result.failed++;
      } else {
        status = 'queued';
        delay = Math.min(MAX_BACKOFF_MS, SEND_BACKOFF_MS * 2 ** (o.row.attempts - 1));
        retries.set(delay, [...(retries.get(delay) ?? []), o.row.id]);
        result.retrying++;
      }
      // Counted per SMTP outcome, as the ledger records it (a queued row is one to retry).
      this.metrics.count(
        'campaign',
        status === 'queued' ? 'retry' : (status as 'sent' | 'bounced' | 'failed'),
      );
      ids.push(o.row.id);
      statuses.push(status);
      responses.push(
        o.kind === 'transient' && status === 'failed'
          ? `gave up after ${o.row.attempts} attempts: ${o.response}`
          : o.response,
      );
      delays.push(delay);
    }
    // These messages are already with the SMTP server: a lost write would mean sending them again after the
    // lease, so a database outage is retried here for most of the lease (our claims stay ours meanwhile).
    const written = await retryThroughOutage(
      () => this.deliveries.recordOutcomes(this.registry.id, { ids, statuses, responses, delays }),
      this.outcomeWriteBudgetMs,
      (err, elapsedMs) =>
        this.logger.warn(
          `campaign ${campaignId}: recording ${ids.length} SMTP outcomes failed (${(err as Error).message}); ` +
            `retrying (${Math.round(elapsedMs / 1000)} s so far)`,
        ),
    );
    if (written.length !== ids.length) {
      // Our claim was released (this worker was taken for dead): the row belongs to someone else now.
      this.logger.warn(
        `campaign ${campaignId}: ${ids.length - written.length} outcomes arrived after the claim was released`,
      );
    }
    const mine = new Set(written);
    for (const [delay, retryIds] of retries) {
      const ours = retryIds.filter((id) => mine.has(id));
      if (ours.length)
        await this.scheduler.enqueue(campaignId, ours, { kind: 'requeue', tag: 'r', delayMs: delay });
    }
    await this.bounces.bouncedAtSend(
      outcomes
        .filter((o) => o.kind === 'permanent' && mine.has(o.row.id))
        .map((o) => ({ subscriberId: o.row.subscriber_id, deliveryId: o.row.id, response: o.response })),
    );
  }

  /**
   * campaign.consecutive_failures counts SMTP failures since the last accepted message (in reply order);
   * too many pauses the campaign so an outage or a misconfigured relay cannot burn through the list.
   */
  private async trackFailures(campaignId: number, outcomes: SendOutcome[]): Promise<boolean> {
    if (outcomes.length === 0) return false;
    const smtp = outcomes.filter((o) => o.kind !== 'unbuildable').sort((a, b) => a.order - b.order);
    const lastSuccess = smtp.map((o) => o.kind).lastIndexOf('sent');
    const failures = smtp.length - 1 - lastSuccess;
    if (failures === 0) {
      await this.campaigns.clearConsecutiveFailures(campaignId);
      return false;
    }
    const count = await this.campaigns.addConsecutiveFailures(campaignId, lastSuccess >= 0, failures);
    const max = this.config.env.SEND_MAX_CONSECUTIVE_FAILURES;
    if (count === undefined || count < max) return false;
    const last = smtp[smtp.length - 1]!.response.slice(0, 300);
    const reason =
      `${AUTO_PAUSE_REASON_PREFIX} after ${count} consecutive failed sends ` +
      `(SEND_MAX_CONSECUTIVE_FAILURES=${max}); last SMTP error: ${last}. Fix the cause, then resume.`;
    if (await this.campaigns.pauseRunning(campaignId, reason))
      this.logger.error(`campaign ${campaignId}: ${reason}`);
    return true;
  }
}

/** Runs `write` over pushed items, one call at a time, each taking everything pushed since the last. */
class CoalescingWriter<T> {
  private pending: T[] = [];
  private running?: Promise<void>;
  private error?: Error;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  push(item: T): void {
    this.pending.push(item);
    this.kick();
  }

  /** Resolves when everything pushed is written; rejects with the first write error. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.error !== undefined) throw this.error;
  }

  private kick(): void {
    if (this.running || this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.running = this.write(items)
      .catch((err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }
}
