import type { FeedbackKind, FeedbackSource, InboundClassification, InboundStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain.errors';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import {
  type FeedbackEventRow,
  FeedbackReportRepository,
  type InboundDetailRow,
  type InboundListRow,
} from './feedback-report.repository';

/** The console shows at most this much of a raw message; the download has all of it. */
export const RAW_DISPLAY_BYTES = 64 * 1024;

export interface KeysetPage<T> {
  items: T[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

export interface InboundMessageDetail extends InboundListRow {
  /** The start of the source, decoded as UTF-8 (invalid bytes replaced), at most RAW_DISPLAY_BYTES of it. */
  rawText: string;
  /** The source is longer than rawText shows. */
  rawTruncated: boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * What operators and editors see of the mail that came back (the console's "Bounces & complaints"): inbound
 * messages with their classification and, for an operator, their raw source; and the feedback events acted
 * on. One method per page; the lists are keyset-paged newest first with the one cursor format.
 */
@Injectable()
export class FeedbackReportService {
  constructor(private readonly reports: FeedbackReportRepository) {}

  async inbound(opts: {
    status?: InboundStatus;
    classification?: InboundClassification | 'none';
    cursor?: string;
    limit?: number;
  }): Promise<KeysetPage<InboundListRow>> {
    const limit = clampLimit(opts.limit);
    const rows = await this.reports.inboundPage({
      status: opts.status,
      classification: opts.classification,
      beforeId: opts.cursor === undefined ? undefined : decodeCursor(opts.cursor),
      limit: limit + 1,
    });
    return page(rows, limit);
  }

  /** One message with the start of its source as text (a message is bytes: shown, never interpreted). */
  async inboundMessage(id: number): Promise<InboundMessageDetail> {
    const row: InboundDetailRow | undefined = await this.reports.inboundMessage(id, RAW_DISPLAY_BYTES);
    if (!row) throw new NotFoundError(`Inbound message ${id} does not exist`);
    const { rawHead, ...rest } = row;
    return {
      ...rest,
      // control characters other than line breaks and tabs become U+FFFD: text, not terminal or parser input
      rawText: rawHead.toString('utf8').replace(CONTROL_BUT_LINES, '\ufffd'),
      rawTruncated: row.size > rawHead.length,
    };
  }

  /** A message's whole source as received, for an operator's download. */
  async inboundRaw(id: number): Promise<Buffer> {
    const raw = await this.reports.inboundRaw(id);
    if (!raw) throw new NotFoundError(`Inbound message ${id} does not exist`);
    return raw;
  }

  async events(opts: {
    kind?: FeedbackKind;
    source?: FeedbackSource;
    campaignId?: number;
    cursor?: string;
    limit?: number;
  }): Promise<KeysetPage<FeedbackEventRow>> {
    const limit = clampLimit(opts.limit);
    const rows = await this.reports.feedbackPage({
      kind: opts.kind,
      source: opts.source,
      campaignId: opts.campaignId,
      beforeId: opts.cursor === undefined ? undefined : decodeCursor(opts.cursor),
      limit: limit + 1,
    });
    return page(rows, limit);
  }
}

function clampLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 50, 1), 200);
}

function page<T extends { id: number }>(rows: T[], limit: number): KeysetPage<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null };
}
