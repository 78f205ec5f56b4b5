import { Database, type Queryable, SubscriberStatus } from '@app/database';
import { JobName, JobQueue } from '@app/queue';
import { AppConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { trackedLinkTargets } from '@app/email';
import { TokenPurpose, TokenService } from '../tokens/token.service';
import { checkEmail, checkName } from './email-address';
import { SubscriberNotFoundError, SubscriptionInputError } from './subscription.errors';
import { type ClickRow, SubscriberDeliveryRepository } from './subscriber-delivery.repository';
import {
  historyEntry,
  type SubscriberHistoryEntry,
  SubscriberEventRepository,
} from './subscriber-event.repository';
import {
  type ChangeEvidence,
  consentEvidence,
  eventEvidence,
  type SubscriberEventType,
} from './subscriber-events';
import { type SubscribeRow, type SubscriberRecord, SubscriberRepository } from './subscriber.repository';
import { SuppressionList } from './suppression-list.service';
import { BlockedDomains } from './blocked-domains';

/** A pending address gets at most one confirmation email per window, however often it is submitted. */

/** A reader's click or open as the data export and the console show it (TRACKING=individual only). */
export interface SubscriberClick {
  /** The issue's month slug. */
  edition: string;
  /** The address the link led to; null for an open (the pixel has no link). */
  link: string | null;
  /** Counted as a machine's (a scanner, a HEAD request, a click right after sending). */
  machine: boolean;
  at: string;
}

export function subscriberClick(k: ClickRow): SubscriberClick {
  return {
    edition: k.slug,
    // -1 is the open pixel: no link.
    link: k.linkIndex < 0 ? null : (trackedLinkTargets(k.content)[k.linkIndex] ?? null),
    machine: k.machine,
    at: new Date(k.clickedAt).toISOString(),
  };
}
export const CONFIRMATION_RESEND_MINUTES = 10;

/**
 * And at most this many in CONFIRMATION_CAP_HOURS, counted from the first of them: someone who keeps
 * submitting another person's address gets them 3 emails a day, not 144. Confirming clears the count.
 */
export const CONFIRMATION_CAP = 3;
export const CONFIRMATION_CAP_HOURS = 24;

/** The three limits together, as the repository's claims take them. */
const CONFIRMATION_RULE = {
  resendMinutes: CONFIRMATION_RESEND_MINUTES,
  capHours: CONFIRMATION_CAP_HOURS,
  cap: CONFIRMATION_CAP,
};

/**
 * consent_at comes from the database clock, a token's issue time from the worker's: tolerate this much
 * disagreement before calling a confirm link older than the sign-up it would confirm.
 */
const CLOCK_SKEW_SECONDS = 300;

export type TokenLookup =
  | { ok: true; subscriber: SubscriberRecord; issuedAt: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'gone' }
  | { ok: false; reason: 'expired'; subscriber: SubscriberRecord };

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'not-pending';

/** Everything a reader may download about themselves (GDPR art. 15/20). */
export interface SubscriberDataExport {
  exportedAt: string;
  subscriber: {
    email: string | null;
    name: string | null;
    status: SubscriberStatus;
    createdAt: string;
    consent: { at: string | null; ip: string | null; userAgent: string | null; source: string | null };
    confirmedAt: string | null;
    unsubscribedAt: string | null;
    confirmationSentAt: string | null;
  };
  history: SubscriberHistoryEntry[];
  deliveries: { edition: string; subject: string; status: string; sentAt: string | null }[];
  /** Clicks and opens recorded about the reader (TRACKING=individual; empty in the other modes). */
  clicks: SubscriberClick[];
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/**
 * Whether the preferences page may subscribe this reader again with one click. Not a complainer (the reader
 * reported our mail as spam, or a feedback loop did for them): that choice is undone only by a fresh double
 * opt-in through the subscribe form (SubscriberRepository's sign-up takes `complained` back to pending).
 */
export function mayResubscribeOneClick(status: SubscriberStatus): boolean {
  return status !== SubscriberStatus.Complained;
}

/** Shown when a complainer asks for a one-click resubscribe. */
export const COMPLAINED_RESUBSCRIBE_MESSAGE =
  'You marked our mail as spam, so we cannot subscribe you again with one click. Subscribe again with the ' +
  'form on our home page and confirm with the link we email you.';

/**
 * The reader's side of the subscriber lifecycle: double opt-in, confirmation, unsubscribe, resubscribe,
 * name changes, data export and erasure. Every state change is recorded in subscriber_event with its evidence.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    private readonly db: Database,
    private readonly subscribers: SubscriberRepository,
    private readonly events: SubscriberEventRepository,
    private readonly deliveries: SubscriberDeliveryRepository,
    private readonly tokens: TokenService,
    private readonly jobs: JobQueue,
    private readonly suppression: SuppressionList,
    private readonly config: AppConfig,
    private readonly blockedDomains: BlockedDomains,
  ) {}

  private readonly logger = new Logger(SubscriptionService.name);

  /** Validates and normalizes what a reader typed; throws SubscriptionInputError with a readable reason. */
  parseSubscribeInput(input: { email: unknown; name?: unknown }): { email: string; name: string | null } {
    const email = checkEmail(input.email);
    if (!email.ok) throw new SubscriptionInputError(email.reason);
    const name = checkName(input.name);
    if (!name.ok) throw new SubscriptionInputError(name.reason);
    return { email: email.email, name: name.name };
  }

  /**
   * Double opt-in. Returns nothing on purpose: callers must answer the same whatever the address's state.
   * New or pending: a confirmation is queued (once per window). Unsubscribed: back to pending, fresh opt-in.
   * Confirmed, bounced, complained: nothing is sent. The same queries run in every case, so the answer
   * takes about as long whatever the state.
   */
  async subscribe(input: { email: unknown; name?: unknown }, ev: ChangeEvidence): Promise<void> {
    const { email, name } = this.parseSubscribeInput(input);
    this.blockedDomains.check(email);
    const params = {
      email,
      name,
      consent: consentEvidence(ev),
      event: eventEvidence(ev),
      ...CONFIRMATION_RULE,
    };
    // Empty only when another request inserted the address after the statement's snapshot was taken (its
    // insert hit ON CONFLICT DO NOTHING): the retry, with a fresh snapshot, finds and locks that row.
    let row: SubscribeRow | undefined;
    for (let attempt = 0; row === undefined; attempt++) {
      if (attempt === 3) throw new Error(`subscribe: no row for the address after ${attempt} attempts`);
      row = await this.subscribers.subscribe(params);
    }
    if (row.claimed) await this.queueConfirmation(row.id, row.sent_at);
  }

  /**
   * Queues the confirmation email if the subscriber is pending, none went out in the last
   * CONFIRMATION_RESEND_MINUTES and the cap (CONFIRMATION_CAP per CONFIRMATION_CAP_HOURS) is not reached:
   * the same rule as subscribe(). The conditional update is the per-address limit: of any number of
   * concurrent requests exactly one wins the row and queues a job.
   */
  async requestConfirmation(subscriberId: number): Promise<boolean> {
    const sentAt = await this.subscribers.claimConfirmation(subscriberId, CONFIRMATION_RULE);
    if (sentAt === undefined) return false;
    await this.queueConfirmation(subscriberId, sentAt);
    return true;
  }

  /** Queues the confirmation whose window was claimed at `sentAt`; releases the window if that fails. */
  private async queueConfirmation(subscriberId: number, sentAt: string): Promise<void> {
    try {
      await this.jobs.add(JobName.SendConfirmation, { subscriberId });
    } catch (err) {
      // Nothing was queued: release the window, and give back the claim's place in the cap, so the
      // reader's retry can send.
      await this.subscribers.releaseConfirmation(subscriberId, sentAt);
      throw err;
    }
  }

  /**
   * Resolves a link token to its subscriber. Expired confirm links still identify the subscriber (their MAC
   * is good), so the page can offer a new link. A confirm link older than the current sign-up (the reader
   * unsubscribed and signed up again since) counts as expired.
   */
  async lookup(token: unknown, purpose: TokenPurpose): Promise<TokenLookup> {
    const check = this.tokens.verify(token, purpose);
    if (!check.ok && (check.reason !== 'expired' || !check.subscriberUid))
      return { ok: false, reason: 'invalid' };
    const subscriber = await this.subscribers.findByUid(check.subscriberUid!);
    if (!subscriber || subscriber.erasedAt) return { ok: false, reason: 'gone' };
    if (!check.ok) return { ok: false, reason: 'expired', subscriber };
    if (
      purpose === TokenPurpose.Confirm &&
      subscriber.status === SubscriberStatus.Pending &&
      subscriber.consentAt &&
      check.issuedAt < Math.floor(subscriber.consentAt.getTime() / 1000) - CLOCK_SKEW_SECONDS
    ) {
      return { ok: false, reason: 'expired', subscriber };
    }
    return { ok: true, subscriber, issuedAt: check.issuedAt };
  }

  /**
   * Confirms a pending subscriber; on the first confirmation the welcome message is queued (unless
   * WELCOME_ISSUE=false). The job is idempotent (subscriber.welcome_sent_at), so a reader who confirms again
   * after unsubscribing gets no second welcome.
   */
  async confirm(subscriberId: number, ev: ChangeEvidence): Promise<ConfirmOutcome> {
    const outcome = await this.markConfirmed(subscriberId, ev);
    if (outcome === 'confirmed') await this.queueWelcome(subscriberId);
    return outcome;
  }

  /** Queues the welcome; a queue outage costs the reader the welcome, never the confirmation. */
  private async queueWelcome(subscriberId: number): Promise<void> {
    if (!this.config.env.WELCOME_ISSUE) return;
    try {
      await this.jobs.add(JobName.SendWelcome, { subscriberId }, { jobId: `welcome-${subscriberId}` });
    } catch (err) {
      this.logger.warn(`welcome for subscriber ${subscriberId} not queued: ${(err as Error).message}`);
    }
  }

  private markConfirmed(subscriberId: number, ev: ChangeEvidence): Promise<ConfirmOutcome> {
    return this.db.transaction(async (tx) => {
      const status = (await this.subscribers.lock(subscriberId, tx))?.status;
      if (status === SubscriberStatus.Confirmed) return 'already-confirmed';
      if (status !== SubscriberStatus.Pending) return 'not-pending';
      await this.subscribers.markConfirmed(subscriberId, tx);
      await this.events.record(
        subscriberId,
        'confirmed',
        { from: status, to: SubscriberStatus.Confirmed },
        ev,
        tx,
      );
      return 'confirmed';
    });
  }

  /**
   * Idempotent: returns false when the subscriber was already unsubscribed. A complainer is unsubscribed
   * already, and stays `complained` (which keeps the one-click resubscribe closed).
   */
  async unsubscribe(subscriberId: number, ev: ChangeEvidence): Promise<boolean> {
    // A campaign named by the link is kept only if it sent to this reader (the parameter is not signed).
    const campaignId =
      ev.campaignId && (await this.deliveries.wasSent(subscriberId, ev.campaignId)) ? ev.campaignId : null;
    return this.moveTo(
      subscriberId,
      SubscriberStatus.Unsubscribed,
      'unsubscribed',
      { ...ev, campaignId },
      (tx) => this.subscribers.markUnsubscribed(subscriberId, tx),
      (from) => (from === SubscriberStatus.Complained ? 'unchanged' : undefined),
    );
  }

  /**
   * From the preferences page: the link came to the reader's mailbox, which proves control of the address
   * as well as a confirmation link does, so the subscriber is confirmed again at once; except a complainer
   * (mayResubscribeOneClick), refused with SubscriptionInputError.
   */
  resubscribe(subscriberId: number, ev: ChangeEvidence): Promise<boolean> {
    return this.moveTo(
      subscriberId,
      SubscriberStatus.Confirmed,
      'resubscribed',
      ev,
      (tx) => this.subscribers.markResubscribed(subscriberId, consentEvidence(ev), tx),
      (from) => {
        if (!mayResubscribeOneClick(from)) throw new SubscriptionInputError(COMPLAINED_RESUBSCRIBE_MESSAGE);
        return undefined;
      },
    );
  }

  /**
   * Moves a subscriber (not erased) to `to` with `write`, recording the change as `type`; false, and nothing
   * written, when it is there already (or `check` says the current status stays). The row is locked first,
   * so concurrent requests apply one by one; `check` sees the locked status and may throw to refuse.
   */
  private moveTo(
    subscriberId: number,
    to: SubscriberStatus,
    type: SubscriberEventType,
    ev: ChangeEvidence,
    write: (tx: Queryable) => Promise<void>,
    check?: (from: SubscriberStatus) => 'unchanged' | undefined,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const status = (await this.subscribers.lock(subscriberId, tx))?.status;
      if (status === undefined) throw new SubscriberNotFoundError(subscriberId);
      if (status === to || check?.(status) === 'unchanged') return false;
      await write(tx);
      await this.events.record(subscriberId, type, { from: status, to }, ev, tx);
      return true;
    });
  }

  async updateName(subscriberId: number, input: unknown, ev: ChangeEvidence): Promise<void> {
    const checked = checkName(input);
    if (!checked.ok) throw new SubscriptionInputError(checked.reason);
    await this.db.transaction(async (tx) => {
      const current = await this.subscribers.lock(subscriberId, tx);
      if (!current) throw new SubscriberNotFoundError(subscriberId);
      if (current.name === checked.name) return;
      await this.subscribers.setName(subscriberId, checked.name, tx);
      // The event says that the name changed, not what to: the history must not keep copies of personal data.
      await this.events.record(subscriberId, 'name_changed', {}, ev, tx);
    });
  }

  async exportData(subscriberId: number): Promise<SubscriberDataExport> {
    const s = await this.subscribers.findById(subscriberId);
    if (!s || s.erasedAt) throw new SubscriberNotFoundError(subscriberId);
    const events = await this.events.history(subscriberId);
    const deliveries = await this.deliveries.ofSubscriber(subscriberId);
    const clicks = await this.deliveries.clicksOf(subscriberId);
    return {
      exportedAt: new Date().toISOString(),
      subscriber: {
        email: s.email,
        name: s.name,
        status: s.status,
        createdAt: s.createdAt.toISOString(),
        consent: {
          at: iso(s.consentAt),
          ip: s.consentIp,
          userAgent: s.consentUserAgent,
          source: s.consentSource,
        },
        confirmedAt: iso(s.confirmedAt),
        unsubscribedAt: iso(s.unsubscribedAt),
        confirmationSentAt: iso(s.confirmationSentAt),
      },
      history: events.map(historyEntry),
      deliveries: deliveries.map((d) => ({
        edition: d.slug,
        subject: d.subject,
        status: d.status,
        sentAt: iso(d.sentAt),
      })),
      clicks: clicks.map(subscriberClick),
    };
  }

  /**
   * Right to erasure. Removes the address, name, consent evidence and history; keeps the row (deliveries
   * point at it) as an anonymous unsubscribed shell, plus a keyed hash of the address in `suppression` so an
   * import cannot re-add the person. The uid is rotated, so every link ever emailed stops working.
   */
  async erase(subscriberId: number, ev: Pick<ChangeEvidence, 'source'>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.subscribers.lockForErasure(subscriberId, tx);
      if (!row) throw new SubscriberNotFoundError(subscriberId);
      if (row.email) await this.suppression.add(row.email, 'erased', tx);
      await this.events.deleteAll(subscriberId, tx);
      await this.deliveries.clearResponses(subscriberId, tx);
      await this.deliveries.deleteClicks(subscriberId, tx);
      await this.subscribers.anonymize(subscriberId, tx);
      // No ip or user agent here: the erasure record must not start a new file on the person.
      await this.events.record(
        subscriberId,
        'erased',
        { from: row.status, to: SubscriberStatus.Unsubscribed },
        { source: ev.source },
        tx,
      );
    });
  }
}
