import {
  Database,
  type FeedbackKind,
  type FeedbackSource,
  type InboundClassification,
  type InboundStatus,
} from '@app/database';
import { Injectable } from '@nestjs/common';

/** One inbound message as the console lists it (no raw bytes). */
export interface InboundListRow {
  id: number;
  receivedAt: Date;
  remoteAddress: string;
  helo: string | null;
  mailFrom: string;
  rcptTo: string[];
  size: number;
  status: InboundStatus;
  classification: InboundClassification | null;
  detail: string | null;
  deliveryId: number | null;
  campaignId: number | null;
  subscriberId: number | null;
  /** Null when there is no subscriber or it was erased. */
  subscriberEmail: string | null;
  processedAt: Date | null;
}

/** One message with the start of its raw source (at most the `rawBytes` asked for). */
export interface InboundDetailRow extends InboundListRow {
  rawHead: Buffer;
}

/** One bounce, complaint or unsubscribe acted on (mail_feedback), as the console lists it. */
export interface FeedbackEventRow {
  id: number;
  source: FeedbackSource;
  kind: FeedbackKind;
  deliveryId: number | null;
  campaignId: number | null;
  subscriberId: number | null;
  subscriberEmail: string | null;
  inboundMessageId: number | null;
  statusCode: string | null;
  detail: string | null;
  occurredAt: Date;
  createdAt: Date;
}

export interface InboundFilter {
  status?: InboundStatus;
  /** 'none': not classified (yet). */
  classification?: InboundClassification | 'none';
  /** Keyset: only ids below this one (newest first). */
  beforeId?: number;
  limit: number;
}

export interface FeedbackFilter {
  kind?: FeedbackKind;
  source?: FeedbackSource;
  campaignId?: number;
  beforeId?: number;
  limit: number;
}

const INBOUND_COLUMNS = `
  m.id::float8 AS "id", m.received_at AS "receivedAt", m.remote_address AS "remoteAddress", m.helo,
  m.mail_from AS "mailFrom", m.rcpt_to AS "rcptTo", m.size, m.status, m.classification, m.detail,
  m.delivery_id::float8 AS "deliveryId", d.campaign_id AS "campaignId", m.subscriber_id AS "subscriberId",
  s.email AS "subscriberEmail", m.processed_at AS "processedAt"`;

const INBOUND_JOINS = `
  LEFT JOIN delivery d ON d.id = m.delivery_id
  LEFT JOIN subscriber s ON s.id = m.subscriber_id`;

/**
 * What the console's "Bounces & complaints" pages read: inbound messages and feedback events, newest first by
 * id (keyset: a page costs the same at any depth), with their delivery's campaign and their subscriber's
 * address. Filters are optional equality conditions; an absent one matches every row (`$n IS NULL OR ...`).
 */
@Injectable()
export class FeedbackReportRepository {
  constructor(private readonly db: Database) {}

  inboundPage(f: InboundFilter): Promise<InboundListRow[]> {
    return this.db.rows<InboundListRow>(
      `SELECT ${INBOUND_COLUMNS}
         FROM inbound_message m ${INBOUND_JOINS}
        WHERE ($1::varchar IS NULL OR m.status = $1)
          AND ($2::varchar IS NULL OR ($2 = 'none' AND m.classification IS NULL) OR m.classification = $2)
          AND ($3::bigint IS NULL OR m.id < $3)
        ORDER BY m.id DESC
        LIMIT $4`,
      [f.status ?? null, f.classification ?? null, f.beforeId ?? null, f.limit],
    );
  }

  /** One message with the first `rawBytes` bytes of its source (a large message is not read whole). */
  async inboundMessage(id: number, rawBytes: number): Promise<InboundDetailRow | undefined> {
    return this.db.one<InboundDetailRow>(
      `SELECT ${INBOUND_COLUMNS}, substring(m.raw FROM 1 FOR $2) AS "rawHead"
         FROM inbound_message m ${INBOUND_JOINS}
        WHERE m.id = $1`,
      [id, rawBytes],
    );
  }

  /** A message's whole source, for the download. */
  async inboundRaw(id: number): Promise<Buffer | undefined> {
    const row = await this.db.one<{ raw: Buffer }>(`SELECT raw FROM inbound_message WHERE id = $1`, [id]);
    return row?.raw;
  }

  feedbackPage(f: FeedbackFilter): Promise<FeedbackEventRow[]> {
    return this.db.rows<FeedbackEventRow>(
      `SELECT f.id::float8 AS "id", f.source, f.kind, f.delivery_id::float8 AS "deliveryId",
              f.campaign_id AS "campaignId", f.subscriber_id AS "subscriberId", s.email AS "subscriberEmail",
              f.inbound_message_id::float8 AS "inboundMessageId", f.status_code AS "statusCode", f.detail,
              f.occurred_at AS "occurredAt", f.created_at AS "createdAt"
         FROM mail_feedback f
         LEFT JOIN subscriber s ON s.id = f.subscriber_id
        WHERE ($1::varchar IS NULL OR f.kind = $1)
          AND ($2::varchar IS NULL OR f.source = $2)
          AND ($3::int IS NULL OR f.campaign_id = $3)
          AND ($4::bigint IS NULL OR f.id < $4)
        ORDER BY f.id DESC
        LIMIT $5`,
      [f.kind ?? null, f.source ?? null, f.campaignId ?? null, f.beforeId ?? null, f.limit],
    );
  }
}
