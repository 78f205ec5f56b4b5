import { Database, InboundClassification, InboundStatus, type Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

/** What the inbound SMTP server stores for one accepted message (the envelope as the client gave it). */
export interface NewInboundMessage {
  remoteAddress: string;
  helo: string | null;
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

export interface StoredInboundMessage {
  id: number;
  receivedAt: Date;
  remoteAddress: string;
  helo: string | null;
  mailFrom: string;
  rcptTo: string[];
  size: number;
  raw: Buffer;
  status: InboundStatus;
}

/** How processing ended for one message. */
export interface InboundOutcome {
  status: Exclude<InboundStatus, InboundStatus.Received>;
  classification: InboundClassification | null;
  detail: string | null;
  deliveryId?: number | null;
  subscriberId?: number | null;
}

/** The inbound_message table: stored before the SMTP 250, then processed once from a job. */
@Injectable()
export class InboundMessageRepository {
  constructor(private readonly db: Database) {}

  /** Stores one message; resolves only when PostgreSQL has committed it (the server answers 250 after). */
  async store(m: NewInboundMessage): Promise<number> {
    const row = await this.db.one<{ id: string }>(
      `INSERT INTO inbound_message (remote_address, helo, mail_from, rcpt_to, size, raw)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [m.remoteAddress, m.helo, m.mailFrom, m.rcptTo, m.raw.length, m.raw],
    );
    return Number(row!.id);
  }

  /**
   * One message with its raw bytes, not locked: read to parse it before the processing transaction, so the
   * row lock is not held while mailparser works.
   */
  async find(id: number): Promise<StoredInboundMessage | undefined> {
    const row = await this.db.one<Record<string, unknown>>(
      `SELECT id, received_at, remote_address, helo, mail_from, rcpt_to, size, raw, status
         FROM inbound_message WHERE id = $1`,
      [id],
    );
    return row && toStored(row);
  }

  /** A message's status, its row locked for the processing transaction (without the raw bytes). */
  async lockStatus(id: number, tx: Queryable): Promise<InboundStatus | undefined> {
    const row = await this.db.one<{ status: InboundStatus }>(
      `SELECT status FROM inbound_message WHERE id = $1 FOR UPDATE`,
      [id],
      tx,
    );
    return row?.status;
  }

  async recordOutcome(id: number, outcome: InboundOutcome, tx?: Queryable): Promise<void> {
    await this.db.rows(
      `UPDATE inbound_message
          SET status = $2, classification = $3, detail = left($4, 1000), delivery_id = $5, subscriber_id = $6,
              processed_at = now()
        WHERE id = $1`,
      [
        id,
        outcome.status,
        outcome.classification,
        outcome.detail,
        outcome.deliveryId ?? null,
        outcome.subscriberId ?? null,
      ],
      tx,
    );
  }

  /**
   * Messages still `received` that were stored more than `olderThanMs` ago: their job was never added (Redis
   * was down between the commit and the enqueue, or the process died there). The sweep enqueues them again.
   */
  async listUnprocessed(olderThanMs: number, limit: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: string }>(
      `SELECT id FROM inbound_message
        WHERE status = 'received' AND received_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY id LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => Number(r.id));
  }
}

function toStored(r: Record<string, unknown>): StoredInboundMessage {
  return {
    id: Number(r.id),
    receivedAt: r.received_at as Date,
    remoteAddress: r.remote_address as string,
    helo: (r.helo as string | null) ?? null,
    mailFrom: r.mail_from as string,
    rcptTo: r.rcpt_to as string[],
    size: Number(r.size),
    raw: r.raw as Buffer,
    status: r.status as InboundStatus,
  };
}
