import { Subscriber, SubscriberStatus } from '@app/database';
import { JobName, JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { TokenPurpose, TokenService } from '../tokens/token.service';
import { checkEmail, checkName } from './email-address';
import { SubscriberNotFoundError, SubscriptionInputError } from './subscription.errors';
import { type ChangeEvidence, consentEvidence, eventEvidence, recordEvent } from './subscriber-events';
import { updateReturning } from './sql';
import { SuppressionList } from './suppression-list.service';

/** A pending address gets at most one confirmation email per window, however often it is submitted. */
export const CONFIRMATION_RESEND_MINUTES = 10;

/**
 * And at most this many in CONFIRMATION_CAP_HOURS, counted from the first of them: someone who keeps
 * submitting another person's address gets them 3 emails a day, not 144. Confirming clears the count.
 */
export const CONFIRMATION_CAP = 3;
export const CONFIRMATION_CAP_HOURS = 24;

/**
 * consent_at comes from the database clock, a token's issue time from the worker's: tolerate this much
 * disagreement before calling a confirm link older than the sign-up it would confirm.
 */
const CLOCK_SKEW_SECONDS = 300;

interface SubscribeRow {
  id: number;
  claimed: boolean;
  sent_at: string;
}

/**
 * The whole of a sign-up in one statement, so one round trip to PostgreSQL (the former transaction, its
 * event insert and the window UPDATE took five):
 * - `prev` locks the address's row if it exists. FOR UPDATE in READ COMMITTED waits for a concurrent
 *   request and then reads the row as that request left it, so concurrent requests for one address
 *   serialize and each sees the last one's changes.
 * - `ins`: a new address becomes a pending subscriber whose confirmation window is claimed at once (the
 *   first of its cap of $12 per $11 hours).
 * - `upd`: a known address: unsubscribed goes back to pending with fresh consent; pending or just
 *   resubscribed claims the confirmation window unless a confirmation went out in the last $6 minutes, or
 *   $12 went out since the cap window began less than $11 hours ago (`fresh`: that window is over, so this
 *   claim starts a new one); confirmed, bounced and complained are left as they are. The row is written in
 *   every case, so every case costs the same.
 * - `ev`: the consent evidence, for a new subscriber and for a resubscribe.
 * The window is claimed by the same statement that decides the status, so of any number of concurrent
 * requests exactly one claims it. No row comes back when another request inserted the address after this
 * statement's snapshot was taken (ins then hits ON CONFLICT DO NOTHING and prev saw nothing): run it again.
 */
const SUBSCRIBE_SQL = `
WITH prev AS (
  SELECT id, status, confirmation_sent_at, confirmation_count, confirmation_window_at, erased_at
  FROM subscriber WHERE lower(email) = lower($1::varchar) FOR UPDATE
), ins AS (
  INSERT INTO subscriber (email, name, status, consent_at, consent_ip, consent_user_agent, consent_source,
                          confirmation_sent_at, confirmation_count, confirmation_window_at)
  SELECT $1::varchar, $2::varchar, 'pending', now(), $3::varchar, $4::varchar, $5::varchar, now(), 1, now()
  WHERE NOT EXISTS (SELECT 1 FROM prev)
  ON CONFLICT (lower(email)) DO NOTHING
  RETURNING id, confirmation_sent_at::text AS sent_at
), cap AS (
  SELECT p.*, (confirmation_window_at IS NULL
               OR confirmation_window_at <= now() - make_interval(hours => $11::int)) AS fresh
  FROM prev p
), known AS (
  SELECT id, status, status = 'unsubscribed' AS back, fresh,
         status IN ('pending', 'unsubscribed') AND erased_at IS NULL
           AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= now() - make_interval(mins => $6::int))
           AND (fresh OR confirmation_count < $12::int) AS claim
  FROM cap
), upd AS (
  UPDATE subscriber s SET
    status = CASE WHEN k.back THEN 'pending' ELSE s.status END,
    name = CASE WHEN k.back THEN COALESCE(s.name, $2) ELSE s.name END,
    consent_at = CASE WHEN k.back THEN now() ELSE s.consent_at END,
    consent_ip = CASE WHEN k.back THEN $3 ELSE s.consent_ip END,
    consent_user_agent = CASE WHEN k.back THEN $4 ELSE s.consent_user_agent END,
    consent_source = CASE WHEN k.back THEN $5 ELSE s.consent_source END,
    confirmed_at = CASE WHEN k.back THEN NULL ELSE s.confirmed_at END,
    updated_at = CASE WHEN k.back THEN now() ELSE s.updated_at END,
    confirmation_sent_at = CASE WHEN k.claim THEN now() ELSE s.confirmation_sent_at END,
    confirmation_count = CASE WHEN NOT k.claim THEN s.confirmation_count
                              WHEN k.fresh THEN 1 ELSE s.confirmation_count + 1 END,
    confirmation_window_at = CASE WHEN k.claim AND k.fresh THEN now() ELSE s.confirmation_window_at END
  FROM known k WHERE s.id = k.id
  RETURNING s.id, k.back, k.claim, s.confirmation_sent_at::text AS sent_at
), ev AS (
  INSERT INTO subscriber_event (subscriber_id, type, from_status, to_status, ip, user_agent, source, detail)
  SELECT id, 'subscribed', NULL::varchar, 'pending', $7::varchar, $8::varchar, $9::varchar, $10::varchar FROM ins
  UNION ALL
  SELECT id, 'resubscribed', 'unsubscribed', 'pending', $7, $8, $9, $10 FROM upd WHERE back
)
SELECT id, true AS claimed, sent_at FROM ins
UNION ALL
SELECT id, claim AS claimed, sent_at FROM upd`;

export type TokenLookup =
  | { ok: true; subscriber: Subscriber; issuedAt: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'gone' }
  | { ok: false; reason: 'expired'; subscriber: Subscriber };

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
  history: {
    at: string;
    type: string;
    fromStatus: string | null;
    toStatus: string | null;
    ip: string | null;
    userAgent: string | null;
    source: string | null;
  }[];
  deliveries: { edition: string; subject: string; status: string; sentAt: string | null }[];
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** A subscriber's deliveries for the data export; served by delivery_subscriber_id_idx (a test EXPLAINs it). */
export const SUBSCRIBER_DELIVERIES_SQL = `SELECT e.slug, e.subject, d.status, d.sent_at
  FROM delivery d JOIN campaign c ON c.id = d.campaign_id JOIN edition e ON e.id = c.edition_id
  WHERE d.subscriber_id = $1 ORDER BY d.id`;

/** Erasure: SMTP replies often quote the recipient's address. Same index. */
export const ERASE_DELIVERY_RESPONSES_SQL = `UPDATE delivery SET last_response = NULL
  WHERE subscriber_id = $1 AND last_response IS NOT NULL`;

/**
 * The reader's side of the subscriber lifecycle: double opt-in, confirmation, unsubscribe, resubscribe,
 * name changes, data export and erasure. Every state change is recorded in subscriber_event with its evidence.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    private readonly tokens: TokenService,
    private readonly jobs: JobQueue,
    private readonly suppression: SuppressionList,
  ) {}

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
    const params = [
      email,
      name,
      ...consentEvidence(ev),
      CONFIRMATION_RESEND_MINUTES,
      ...eventEvidence(ev),
      CONFIRMATION_CAP_HOURS,
      CONFIRMATION_CAP,
    ];
    // Empty only when another request inserted the address after this statement's snapshot was taken (its
    // insert hit ON CONFLICT DO NOTHING): the retry, with a fresh snapshot, finds and locks that row.
    let row: SubscribeRow | undefined;
    for (let attempt = 0; row === undefined; attempt++) {
      if (attempt === 3) throw new Error(`subscribe: no row for the address after ${attempt} attempts`);
      // A named statement: each pooled connection parses and plans it once, not on every sign-up. Planning
      // these five CTEs cost PostgreSQL more than running them (3× fewer statements/s unnamed, measured).
      // TypeORM hands the query to pg's client.query untouched, which takes a { name, text } config.
      // The name is cached per connection: a changed SQL text needs a new name.
      const query = { name: 'subscription_subscribe_v2', text: SUBSCRIBE_SQL } as unknown as string;
      row = (await this.ds.query<SubscribeRow[]>(query, params))[0];
    }
    if (row.claimed) await this.queueConfirmation(row.id, row.sent_at);
  }

  /**
   * Queues the confirmation email if the subscriber is pending, none went out in the last
   * CONFIRMATION_RESEND_MINUTES and the cap (CONFIRMATION_CAP per CONFIRMATION_CAP_HOURS) is not reached:
   * the same rule as subscribe(). The conditional UPDATE is the per-address limit: of any number of
   * concurrent requests exactly one wins the row and queues a job.
   */
  async requestConfirmation(subscriberId: number): Promise<boolean> {
    const fresh = `(confirmation_window_at IS NULL OR confirmation_window_at <= now() - make_interval(hours => $3))`;
    const claimed = await updateReturning<{ sent_at: string }>(
      this.ds,
      `UPDATE subscriber SET confirmation_sent_at = now(),
         confirmation_count = CASE WHEN ${fresh} THEN 1 ELSE confirmation_count + 1 END,
         confirmation_window_at = CASE WHEN ${fresh} THEN now() ELSE confirmation_window_at END
       WHERE id = $1 AND status = 'pending' AND erased_at IS NULL
         AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= now() - make_interval(mins => $2))
         AND (${fresh} OR confirmation_count < $4)
       RETURNING confirmation_sent_at::text AS sent_at`,
      [subscriberId, CONFIRMATION_RESEND_MINUTES, CONFIRMATION_CAP_HOURS, CONFIRMATION_CAP],
    );
    const sentAt = claimed[0]?.sent_at;
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
      await this.ds.query(
        `UPDATE subscriber SET confirmation_sent_at = NULL, confirmation_count = greatest(confirmation_count - 1, 0)
         WHERE id = $1 AND confirmation_sent_at = $2::timestamptz`,
        [subscriberId, sentAt],
      );
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
    const subscriber = await this.subscribers.findOneBy({ uid: check.subscriberUid! });
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

  async confirm(subscriberId: number, ev: ChangeEvidence): Promise<ConfirmOutcome> {
    return this.ds.transaction(async (m) => {
      const status = await this.lockStatus(m, subscriberId);
      if (status === SubscriberStatus.Confirmed) return 'already-confirmed';
      if (status !== SubscriberStatus.Pending) return 'not-pending';
      await m.query(
        // A confirmed address owes nobody a cap: should it unsubscribe and be signed up again, the count
        // starts afresh.
        `UPDATE subscriber SET status = 'confirmed', confirmed_at = now(), updated_at = now(),
           confirmation_count = 0, confirmation_window_at = NULL
         WHERE id = $1`,
        [subscriberId],
      );
      await recordEvent(m, subscriberId, 'confirmed', { from: status, to: SubscriberStatus.Confirmed }, ev);
      return 'confirmed';
    });
  }

  /** Idempotent: returns false when the subscriber was already unsubscribed. */
  async unsubscribe(subscriberId: number, ev: ChangeEvidence): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const status = await this.lockStatus(m, subscriberId);
      if (status === undefined) throw new SubscriberNotFoundError(subscriberId);
      if (status === SubscriberStatus.Unsubscribed) return false;
      await m.query(
        `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now() WHERE id = $1`,
        [subscriberId],
      );
      await recordEvent(
        m,
        subscriberId,
        'unsubscribed',
        { from: status, to: SubscriberStatus.Unsubscribed },
        ev,
      );
      return true;
    });
  }

  /**
   * From the preferences page: the link came to the reader's mailbox, which proves control of the address
   * as well as a confirmation link does, so the subscriber is confirmed again at once.
   */
  async resubscribe(subscriberId: number, ev: ChangeEvidence): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const status = await this.lockStatus(m, subscriberId);
      if (status === undefined) throw new SubscriberNotFoundError(subscriberId);
      if (status === SubscriberStatus.Confirmed) return false;
      await m.query(
        `UPDATE subscriber SET status = 'confirmed', confirmed_at = now(), consent_at = now(), consent_ip = $2,
           consent_user_agent = $3, consent_source = $4, updated_at = now(),
           confirmation_count = 0, confirmation_window_at = NULL
         WHERE id = $1`,
        [subscriberId, ...consentEvidence(ev)],
      );
      await recordEvent(
        m,
        subscriberId,
        'resubscribed',
        { from: status, to: SubscriberStatus.Confirmed },
        ev,
      );
      return true;
    });
  }

  async updateName(subscriberId: number, input: unknown, ev: ChangeEvidence): Promise<void> {
    const checked = checkName(input);
    if (!checked.ok) throw new SubscriptionInputError(checked.reason);
    await this.ds.transaction(async (m) => {
      const rows: { name: string | null }[] = await m.query(
        `SELECT name FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
        [subscriberId],
      );
      if (!rows[0]) throw new SubscriberNotFoundError(subscriberId);
      if (rows[0].name === checked.name) return;
      await m.query(`UPDATE subscriber SET name = $2, updated_at = now() WHERE id = $1`, [
        subscriberId,
        checked.name,
      ]);
      // The event says that the name changed, not what to: the history must not keep copies of personal data.
      await recordEvent(m, subscriberId, 'name_changed', {}, ev);
    });
  }

  async exportData(subscriberId: number): Promise<SubscriberDataExport> {
    const s = await this.subscribers.findOneBy({ id: subscriberId });
    if (!s || s.erasedAt) throw new SubscriberNotFoundError(subscriberId);
    const events: {
      created_at: Date;
      type: string;
      from_status: string | null;
      to_status: string | null;
      ip: string | null;
      user_agent: string | null;
      source: string | null;
    }[] = await this.ds.query(
      `SELECT created_at, type, from_status, to_status, ip, user_agent, source
       FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id`,
      [subscriberId],
    );
    const deliveries: { slug: string; subject: string; status: string; sent_at: Date | null }[] =
      await this.ds.query(SUBSCRIBER_DELIVERIES_SQL, [subscriberId]);
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
      history: events.map((e) => ({
        at: iso(e.created_at)!,
        type: e.type,
        fromStatus: e.from_status,
        toStatus: e.to_status,
        ip: e.ip,
        userAgent: e.user_agent,
        source: e.source,
      })),
      deliveries: deliveries.map((d) => ({
        edition: d.slug,
        subject: d.subject,
        status: d.status,
        sentAt: iso(d.sent_at),
      })),
    };
  }

  /**
   * Right to erasure. Removes the address, name, consent evidence and history; keeps the row (deliveries
   * point at it) as an anonymous unsubscribed shell, plus a keyed hash of the address in `suppression` so an
   * import cannot re-add the person. The uid is rotated, so every link ever emailed stops working.
   */
  async erase(subscriberId: number, ev: Pick<ChangeEvidence, 'source'>): Promise<void> {
    await this.ds.transaction(async (m) => {
      const rows: { email: string | null; status: SubscriberStatus }[] = await m.query(
        `SELECT email, status FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
        [subscriberId],
      );
      const row = rows[0];
      if (!row) throw new SubscriberNotFoundError(subscriberId);
      if (row.email) await this.suppression.add(m, row.email, 'erased');
      await m.query(`DELETE FROM subscriber_event WHERE subscriber_id = $1`, [subscriberId]);
      await m.query(ERASE_DELIVERY_RESPONSES_SQL, [subscriberId]);
      await m.query(
        `UPDATE subscriber SET email = NULL, name = NULL, uid = gen_random_uuid(), status = 'unsubscribed',
           consent_at = NULL, consent_ip = NULL, consent_user_agent = NULL, consent_source = NULL,
           confirmation_sent_at = NULL, confirmation_count = 0, confirmation_window_at = NULL,
           unsubscribed_at = COALESCE(unsubscribed_at, now()),
           erased_at = now(), updated_at = now()
         WHERE id = $1`,
        [subscriberId],
      );
      // No ip or user agent here: the erasure record must not start a new file on the person.
      await recordEvent(
        m,
        subscriberId,
        'erased',
        { from: row.status, to: SubscriberStatus.Unsubscribed },
        { source: ev.source },
      );
    });
  }

  private async lockStatus(m: EntityManager, subscriberId: number): Promise<SubscriberStatus | undefined> {
    const rows: { status: SubscriberStatus }[] = await m.query(
      `SELECT status FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
      [subscriberId],
    );
    return rows[0]?.status;
  }
}
