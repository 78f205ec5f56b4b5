import { Database, type Queryable, type Statement, SubscriberStatus } from '@app/database';
import { Injectable } from '@nestjs/common';

/** A subscriber row as services see it: every column of `subscriber`, camelCase (the entity's field names). */
export interface SubscriberRecord {
  id: number;
  uid: string;
  email: string | null;
  name: string | null;
  status: SubscriberStatus;
  consentAt: Date | null;
  consentIp: string | null;
  consentUserAgent: string | null;
  consentSource: string | null;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  confirmationSentAt: Date | null;
  /** When the welcome message went out (once per subscriber). */
  welcomeSentAt: Date | null;
  confirmationCount: number;
  confirmationWindowAt: Date | null;
  softBounceCount: number;
  erasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The select list that reads a subscriber row as a SubscriberRecord. */
export const SUBSCRIBER_COLUMNS = `id, uid, email, name, status, consent_at AS "consentAt", consent_ip AS "consentIp",
  consent_user_agent AS "consentUserAgent", consent_source AS "consentSource", confirmed_at AS "confirmedAt",
  unsubscribed_at AS "unsubscribedAt", confirmation_sent_at AS "confirmationSentAt",
  welcome_sent_at AS "welcomeSentAt", confirmation_count AS "confirmationCount", confirmation_window_at AS "confirmationWindowAt",
  soft_bounce_count AS "softBounceCount", erased_at AS "erasedAt", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

/** The consent columns a change writes: consent_ip, consent_user_agent, consent_source. */
export type ConsentColumns = [ip: string | null, userAgent: string | null, source: string];

/** The parameters of the one-statement sign-up (see SUBSCRIBE_SQL for what each does). */
export interface SubscribeParams {
  email: string;
  name: string | null;
  consent: ConsentColumns;
  /** subscriber_event's ip, user_agent, source and detail. */
  event: (string | null)[];
  resendMinutes: number;
  capHours: number;
  cap: number;
}

/** What the sign-up statement did: the subscriber, and whether it claimed a confirmation email. */
export interface SubscribeRow {
  id: number;
  claimed: boolean;
  /** The claimed window's start, as text: the exact value to release if queueing the email fails. */
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
 * - `upd`: a known address: unsubscribed or complained goes back to pending with fresh consent (for a
 *   complainer this fresh double opt-in is the only way back: the preferences page offers no one-click
 *   resubscribe); pending or just resubscribed claims the confirmation window unless a confirmation went
 *   out in the last $6 minutes, or $12 went out since the cap window began less than $11 hours ago
 *   (`fresh`: that window is over, so this claim starts a new one); confirmed and bounced are left as they
 *   are. The row is written in every case, so every case costs the same.
 * - `ev`: the consent evidence, for a new subscriber and for a resubscribe (from its former status).
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
  SELECT id, status, status IN ('unsubscribed', 'complained') AS back, fresh,
         status IN ('pending', 'unsubscribed', 'complained') AND erased_at IS NULL
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
  RETURNING s.id, k.back, k.claim, k.status AS from_status, s.confirmation_sent_at::text AS sent_at
), ev AS (
  INSERT INTO subscriber_event (subscriber_id, type, from_status, to_status, ip, user_agent, source, detail)
  SELECT id, 'subscribed', NULL::varchar, 'pending', $7::varchar, $8::varchar, $9::varchar, $10::varchar FROM ins
  UNION ALL
  SELECT id, 'resubscribed', from_status, 'pending', $7, $8, $9, $10 FROM upd WHERE back
)
SELECT id, true AS claimed, sent_at FROM ins
UNION ALL
SELECT id, claim AS claimed, sent_at FROM upd`;

/**
 * A named statement: each pooled connection parses and plans it once, not on every sign-up. Planning these
 * five CTEs cost PostgreSQL more than running them (3× fewer statements/s unnamed, measured). The name is
 * cached per connection: a changed SQL text needs a new name.
 */
const SUBSCRIBE: Statement = { name: 'subscription_subscribe_v3', text: SUBSCRIBE_SQL };

/** The current cap window is over ($3 hours since it began), so a claim now starts a new one. */
const FRESH_WINDOW = `(confirmation_window_at IS NULL OR confirmation_window_at <= now() - make_interval(hours => $3))`;

/** One subscriber at a time: the reads and state changes of the subscriber lifecycle. */
@Injectable()
export class SubscriberRepository {
  constructor(private readonly db: Database) {}

  // ---- reads ----

  findById(id: number): Promise<SubscriberRecord | undefined> {
    return this.db.one<SubscriberRecord>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscriber WHERE id = $1`, [id]);
  }

  /** By the random uid that link tokens carry. */
  findByUid(uid: string): Promise<SubscriberRecord | undefined> {
    return this.db.one<SubscriberRecord>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscriber WHERE uid = $1`, [
      uid,
    ]);
  }

  // ---- row locks (inside the caller's transaction) ----

  /** Locks a subscriber that is not erased; its status and name, or undefined. */
  lock(id: number, tx: Queryable): Promise<{ status: SubscriberStatus; name: string | null } | undefined> {
    return this.db.one(
      `SELECT status, name FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
      [id],
      tx,
    );
  }

  /** Locks a subscriber that is not erased, for its erasure: its address and status, or undefined. */
  lockForErasure(
    id: number,
    tx: Queryable,
  ): Promise<{ email: string | null; status: SubscriberStatus } | undefined> {
    return this.db.one(
      `SELECT email, status FROM subscriber WHERE id = $1 AND erased_at IS NULL FOR UPDATE`,
      [id],
      tx,
    );
  }

  /** Locks the subscriber if it is still pending; false otherwise. */
  async lockPending(id: number, tx: Queryable): Promise<boolean> {
    const row = await this.db.one(
      `SELECT id FROM subscriber WHERE id = $1 AND status = 'pending' FOR UPDATE`,
      [id],
      tx,
    );
    return row !== undefined;
  }

  /** Locks the subscriber with this address (case-insensitive), erased or not, for a bounce report. */
  lockByEmail(
    email: string,
    tx: Queryable,
  ): Promise<{ id: number; status: SubscriberStatus; softBounceCount: number } | undefined> {
    return this.db.one(
      `SELECT id, status, soft_bounce_count AS "softBounceCount" FROM subscriber
       WHERE lower(email) = lower($1) FOR UPDATE`,
      [email],
      tx,
    );
  }

  // ---- sign-up and confirmation ----

  /** Runs the one-statement sign-up; undefined when it must be run again (see SUBSCRIBE_SQL). */
  subscribe(p: SubscribeParams): Promise<SubscribeRow | undefined> {
    return this.db.one<SubscribeRow>(SUBSCRIBE, [
      p.email,
      p.name,
      ...p.consent,
      p.resendMinutes,
      ...p.event,
      p.capHours,
      p.cap,
    ]);
  }

  /**
   * Claims the confirmation window of a pending subscriber, with the rule of the sign-up statement (none in
   * the last `resendMinutes`, fewer than `cap` in the current `capHours` window). The start of the claimed
   * window as text, or undefined when nothing may be sent.
   */
  async claimConfirmation(
    id: number,
    rule: { resendMinutes: number; capHours: number; cap: number },
  ): Promise<string | undefined> {
    const row = await this.db.one<{ sent_at: string }>(
      `UPDATE subscriber SET confirmation_sent_at = now(),
         confirmation_count = CASE WHEN ${FRESH_WINDOW} THEN 1 ELSE confirmation_count + 1 END,
         confirmation_window_at = CASE WHEN ${FRESH_WINDOW} THEN now() ELSE confirmation_window_at END
       WHERE id = $1 AND status = 'pending' AND erased_at IS NULL
         AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= now() - make_interval(mins => $2))
         AND (${FRESH_WINDOW} OR confirmation_count < $4)
       RETURNING confirmation_sent_at::text AS sent_at`,
      [id, rule.resendMinutes, rule.capHours, rule.cap],
    );
    return row?.sent_at;
  }

  /** Gives back a claim made at `sentAt` (its window and its place in the cap) when no email was queued. */
  async releaseConfirmation(id: number, sentAt: string): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET confirmation_sent_at = NULL, confirmation_count = greatest(confirmation_count - 1, 0)
       WHERE id = $1 AND confirmation_sent_at = $2::timestamptz`,
      [id, sentAt],
    );
  }

  // ---- state changes (inside the caller's transaction, on a locked row) ----

  /**
   * Confirmed by the reader's link. A confirmed address owes nobody a cap: should it unsubscribe and be
   * signed up again, the count starts afresh.
   */
  /**
   * Claims the subscriber's one welcome message: stamps welcome_sent_at if it is empty and the subscriber is
   * confirmed and not erased. Of any number of jobs for the same subscriber exactly one wins.
   */
  async claimWelcome(id: number): Promise<boolean> {
    const rows = await this.db.rows(
      `UPDATE subscriber SET welcome_sent_at = now()
        WHERE id = $1 AND welcome_sent_at IS NULL AND status = 'confirmed' AND erased_at IS NULL
          AND email IS NOT NULL
        RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** Gives the claim back after a send that failed for now (the job's retry claims it again). */
  async releaseWelcome(id: number): Promise<void> {
    await this.db.rows(`UPDATE subscriber SET welcome_sent_at = NULL WHERE id = $1`, [id]);
  }

  async markConfirmed(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = 'confirmed', confirmed_at = now(), updated_at = now(),
         confirmation_count = 0, confirmation_window_at = NULL
       WHERE id = $1`,
      [id],
      tx,
    );
  }

  /** Confirmed again with fresh consent (the preferences page proves control of the address). */
  async markResubscribed(id: number, consent: ConsentColumns, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = 'confirmed', confirmed_at = now(), consent_at = now(), consent_ip = $2,
         consent_user_agent = $3, consent_source = $4, updated_at = now(),
         confirmation_count = 0, confirmation_window_at = NULL
       WHERE id = $1`,
      [id, ...consent],
      tx,
    );
  }

  async markUnsubscribed(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now() WHERE id = $1`,
      [id],
      tx,
    );
  }

  async markBounced(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = 'bounced', updated_at = now() WHERE id = $1`,
      [id],
      tx,
    );
  }

  /** A complaint unsubscribes too (keeping the time of an earlier unsubscribe). */
  async markComplained(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = 'complained', updated_at = now(),
              unsubscribed_at = CASE WHEN status = 'unsubscribed' THEN unsubscribed_at ELSE now() END
        WHERE id = $1`,
      [id],
      tx,
    );
  }

  async setSoftBounceCount(id: number, count: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET soft_bounce_count = $2, updated_at = now() WHERE id = $1`,
      [id, count],
      tx,
    );
  }

  /**
   * Marks bounced those of `ids` whose status is one of `from` (locking them first); the subscribers changed,
   * each with its former status.
   */
  bounceAll(
    ids: number[],
    from: SubscriberStatus[],
    tx: Queryable,
  ): Promise<{ id: number; fromStatus: string }[]> {
    return this.db.rows(
      `WITH old AS (
         SELECT id, status FROM subscriber WHERE id = ANY($1::int[]) AND status = ANY($2::varchar[]) FOR UPDATE
       )
       UPDATE subscriber s SET status = 'bounced', updated_at = now() FROM old
        WHERE s.id = old.id
       RETURNING s.id, old.status AS "fromStatus"`,
      [ids, from],
      tx,
    );
  }

  async setName(id: number, name: string | null, tx: Queryable): Promise<void> {
    await this.db.rows(`UPDATE subscriber SET name = $2, updated_at = now() WHERE id = $1`, [id, name], tx);
  }

  /**
   * An admin sets the status. `confirmed` is the admin asserting consent (fresh consent evidence, the cap
   * cleared); `unsubscribed` stamps the time.
   */
  async setStatusByAdmin(
    id: number,
    to: SubscriberStatus,
    consent: ConsentColumns,
    tx: Queryable,
  ): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET status = $2::varchar, updated_at = now(),
         confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN now() ELSE confirmed_at END,
         confirmation_count = CASE WHEN $2::varchar = 'confirmed' THEN 0 ELSE confirmation_count END,
         confirmation_window_at = CASE WHEN $2::varchar = 'confirmed' THEN NULL ELSE confirmation_window_at END,
         unsubscribed_at = CASE WHEN $2::varchar = 'unsubscribed' THEN now() ELSE unsubscribed_at END,
         consent_at = CASE WHEN $2::varchar = 'confirmed' THEN now() ELSE consent_at END,
         consent_ip = CASE WHEN $2::varchar = 'confirmed' THEN $3 ELSE consent_ip END,
         consent_user_agent = CASE WHEN $2::varchar = 'confirmed' THEN $4 ELSE consent_user_agent END,
         consent_source = CASE WHEN $2::varchar = 'confirmed' THEN $5 ELSE consent_source END
       WHERE id = $1`,
      [id, to, ...consent],
      tx,
    );
  }

  /**
   * Erasure: the row stays (deliveries point at it) as an anonymous unsubscribed shell; the uid is rotated so
   * every link ever emailed stops working.
   */
  async anonymize(id: number, tx: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE subscriber SET email = NULL, name = NULL, uid = gen_random_uuid(), status = 'unsubscribed',
         consent_at = NULL, consent_ip = NULL, consent_user_agent = NULL, consent_source = NULL,
         confirmation_sent_at = NULL, confirmation_count = 0, confirmation_window_at = NULL,
         unsubscribed_at = COALESCE(unsubscribed_at, now()),
         erased_at = now(), updated_at = now()
       WHERE id = $1`,
      [id],
      tx,
    );
  }
}
