import { JobName, JobQueue } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse';
import { PassThrough, pipeline, type Readable, Transform } from 'node:stream';
import { checkEmail, checkName } from './email-address';
import { type ImportBatch, SubscriberImportRepository } from './subscriber-import.repository';
import { SubscriptionInputError } from './subscription.errors';
import { type ChangeEvidence, consentEvidence, eventEvidence } from './subscriber-events';
import { SuppressionList } from './suppression-list.service';

/**
 * What an import does with its addresses. `subscribe`: add them as subscribers (the default). `suppress`:
 * block them: existing subscribers become unsubscribed, unknown addresses go on the suppression list (as
 * keyed hashes, never in clear), so a later import cannot add them (a publisher bringing its unsubscribes
 * and bounces from another provider).
 */
export type ImportMode = 'subscribe' | 'suppress';

export interface ImportOptions {
  /** Default 'subscribe'. */
  mode?: ImportMode;
  /** 'confirmed': the admin asserts the people consented elsewhere. 'pending': they must opt in. */
  consent: 'pending' | 'confirmed';
  /** Queue the double opt-in email for each newly imported pending subscriber. */
  sendOptIn: boolean;
  evidence: ChangeEvidence;
}

export interface ImportReport {
  mode: ImportMode;
  /** Data rows read (header and blank lines not counted). */
  rows: number;
  /** New subscribers created (mode subscribe). */
  imported: number;
  /**
   * mode subscribe: valid rows whose address was already a subscriber, left unchanged. mode suppress: valid
   * rows already blocked (a subscriber already unsubscribed, bounced or complained, or an address repeated in
   * the file), left unchanged.
   */
  existing: number;
  /**
   * mode subscribe: rows refused because the address is on the suppression list (erased at its owner's
   * request, or suppressed by an import). mode suppress: unknown addresses that were on the list already.
   */
  suppressed: number;
  /** mode suppress: pending or confirmed subscribers made unsubscribed. */
  unsubscribed: number;
  /** mode suppress: unknown addresses added to the suppression list. */
  addedToSuppression: number;
  /** Rows refused because they failed validation. */
  invalid: number;
  /** Opt-in emails queued. */
  optInQueued: number;
  /** Refused rows by line number (1 = the header line), the first MAX_REPORTED_ROWS of them. */
  rejected: { line: number; reason: string }[];
  rejectedTruncated: boolean;
}

/** A CSV that cannot be imported (400): the message, and the report of what was read until then. */
export class CsvImportError extends SubscriptionInputError {
  constructor(
    message: string,
    readonly report: ImportReport,
  ) {
    super(message, { report });
  }
}

export const IMPORT_BATCH_SIZE = 5000;
export const MAX_REPORTED_ROWS = 1000;
const SUPPRESSED_REASON =
  'address is on the suppression list (erased at its owner’s request, or suppressed by an import) and is not re-added';

const emptyBatch = (): ImportBatch => ({ emails: [], names: [], hashes: [], lines: [] });

/** The suppression list's reason for addresses a suppress import put there (suppression.reason). */
export const IMPORT_SUPPRESSION_REASON = 'import';

/**
 * CR LF to LF, across chunk boundaries. csv-parse counts a CR LF inside a quoted field as two lines, which
 * would shift every reported line number after it; field values lose nothing that could be valid here.
 */
function crlfToLf(): Transform {
  let pendingCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!pendingCr && chunk.indexOf(13) === -1) return done(null, chunk); // the usual case: no CR at all
      let s = (pendingCr ? '\r' : '') + chunk.toString('latin1');
      pendingCr = s.endsWith('\r');
      if (pendingCr) s = s.slice(0, -1);
      done(null, Buffer.from(s.replace(/\r\n/g, '\n'), 'latin1'));
    },
    flush(done) {
      done(null, pendingCr ? Buffer.from('\r') : null);
    },
  });
}

/** The line a record starts on: csv-parse reports the line it ends on. */
function startLine(record: string[], endLine: number): number {
  let breaks = 0;
  for (const v of record) {
    // the usual field has no line break: skip the regex and its match array
    if (v.indexOf('\n') === -1 && v.indexOf('\r') === -1) continue;
    breaks += v.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return endLine - breaks;
}

/**
 * CSV import (`email,name` header; other columns ignored). The body is parsed as it streams in and written
 * in batches of IMPORT_BATCH_SIZE with one insert from unnest(...) ON CONFLICT DO NOTHING each,
 * so memory stays flat and 100,000 rows take seconds. Existing subscribers are never modified, which makes
 * a re-import a no-op; suppressed addresses (erased, or blocked by a suppress import) are refused.
 * mode=suppress takes the same file and blocks its addresses instead (ImportMode); importing it again
 * changes nothing either.
 */
@Injectable()
export class SubscriberImportService {
  constructor(
    private readonly imports: SubscriberImportRepository,
    private readonly suppression: SuppressionList,
    private readonly jobs: JobQueue,
  ) {}

  async importCsv(source: Readable, opts: ImportOptions): Promise<ImportReport> {
    const mode = opts.mode ?? 'subscribe';
    if (mode === 'suppress' && (opts.sendOptIn || opts.consent === 'confirmed')) {
      // refused rather than ignored: someone who ticked "confirmed" meant to add people, not block them
      throw new SubscriptionInputError(
        'consent and sendOptIn apply only to mode=subscribe, not mode=suppress',
      );
    }
    if (opts.sendOptIn && opts.consent === 'confirmed') {
      throw new SubscriptionInputError('sendOptIn applies only to pending imports (consent=pending)');
    }
    const report: ImportReport = {
      mode,
      rows: 0,
      imported: 0,
      existing: 0,
      suppressed: 0,
      unsubscribed: 0,
      addedToSuppression: 0,
      invalid: 0,
      optInQueued: 0,
      rejected: [],
      rejectedTruncated: false,
    };
    const reject = (line: number, reason: string) => {
      if (report.rejected.length < MAX_REPORTED_ROWS) report.rejected.push({ line, reason });
      else report.rejectedTruncated = true;
    };

    let sawHeader = false;
    // Records come as arrays and the header is read here: csv-parse's `columns` builds an object per record
    // with Object.defineProperty per field. When a name repeats, the last such column counts, as it did then.
    let emailAt = -1;
    let nameAt = -1;
    const parser = parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      max_record_size: 64 * 1024,
    });
    // The request is piped into the parse, not part of the pipeline: a CSV error must not destroy the request
    // socket, or the client never reads the 400 that says what is wrong (the server drains the rest of the
    // body once it has answered). A client that aborts the upload still ends the parse with an error.
    const input = new PassThrough();
    source.pipe(input);
    source.once('error', (err) => input.destroy(err));
    source.once('close', () => {
      if (!source.readableEnded) input.destroy(new Error('the upload was aborted'));
    });
    pipeline(input, crlfToLf(), parser, (err) => {
      source.unpipe(input);
      if (err) source.resume(); // discard the rest of the upload
    });

    let batch = emptyBatch();
    // One batch is written while the next is parsed: PostgreSQL and this process work at the same time.
    let writing: Promise<void> | undefined;
    const write = async (b: ImportBatch) => {
      if (writing) await writing;
      writing = this.flush(b, opts, report, reject);
      writing.catch(() => undefined); // awaited (and rethrown) before the next write or at the end
    };
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        const { record, info } = item;
        if (!sawHeader) {
          sawHeader = true;
          const names = record.map((h) => h.trim().toLowerCase());
          emailAt = names.lastIndexOf('email');
          nameAt = names.lastIndexOf('name');
          if (emailAt === -1) {
            throw new SubscriptionInputError('the CSV header (first line) must have an "email" column');
          }
          continue;
        }
        const line = startLine(record, info.lines);
        report.rows++;
        const email = checkEmail(record[emailAt] ?? '');
        if (!email.ok) {
          report.invalid++;
          reject(line, email.reason);
          continue;
        }
        // a suppress import keeps no name: a bad one is no reason to leave an address unblocked
        const name =
          mode === 'suppress'
            ? { ok: true as const, name: null }
            : checkName(nameAt === -1 ? undefined : record[nameAt]);
        if (!name.ok) {
          report.invalid++;
          reject(line, name.reason);
          continue;
        }
        batch.emails.push(email.email);
        batch.names.push(name.name);
        batch.hashes.push(this.suppression.hash(email.email));
        batch.lines.push(line);
        if (batch.emails.length >= IMPORT_BATCH_SIZE) {
          await write(batch);
          batch = emptyBatch();
        }
      }
      await write(batch);
      await writing;
    } catch (err) {
      // Never answer while a batch is still being written: the report must count it.
      await writing?.catch(() => undefined);
      if (err instanceof SubscriptionInputError) throw new CsvImportError(err.message, report);
      if (err instanceof CsvError) {
        const line = (err as CsvError & { lines?: number }).lines;
        throw new CsvImportError(
          `CSV error${line ? ` at line ${line}` : ''}: ${err.message}. Rows before it may have been imported; ` +
            'fix the file and import it again (rows already imported are left unchanged).',
          report,
        );
      }
      throw err;
    }
    if (!sawHeader) {
      throw new CsvImportError('the CSV is empty: expected an "email,name" header line', report);
    }
    report.rejected.sort((a, b) => a.line - b.line);
    return report;
  }

  private async flush(
    b: ImportBatch,
    opts: ImportOptions,
    report: ImportReport,
    reject: (line: number, reason: string) => void,
  ): Promise<void> {
    if (b.emails.length === 0) return;
    if (opts.mode === 'suppress') return this.flushSuppress(b, opts, report);
    const ev = opts.evidence;
    const optIn = opts.sendOptIn && opts.consent === 'pending';
    const detail =
      opts.consent === 'confirmed' ? 'consent asserted by admin' : 'imported pending: double opt-in';
    const rows = await this.imports.insertBatch(b, opts.consent, consentEvidence(ev), optIn, detail);
    const ids: number[] = [];
    let suppressed = 0;
    for (const r of rows) {
      if (r.kind === 'new' && r.id !== null) ids.push(r.id);
      else if (r.line !== null) {
        suppressed++;
        reject(r.line, SUPPRESSED_REASON);
      }
    }
    report.imported += ids.length;
    report.suppressed += suppressed;
    // whatever was neither inserted nor suppressed hit ON CONFLICT: already a subscriber
    report.existing += b.emails.length - ids.length - suppressed;
    if (optIn && ids.length) {
      try {
        await this.jobs.addBulk(
          JobName.SendConfirmation,
          ids.map((subscriberId) => ({ payload: { subscriberId } })),
        );
      } catch (err) {
        // Without their jobs these would sit inside the resend window with no email on the way.
        await this.imports.releaseConfirmations(ids);
        throw err;
      }
      report.optInQueued += ids.length;
    }
  }

  /** One batch of a suppress import: one statement (see SubscriberImportRepository.suppressBatch). */
  private async flushSuppress(b: ImportBatch, opts: ImportOptions, report: ImportReport): Promise<void> {
    const r = await this.imports.suppressBatch(
      b,
      eventEvidence({ ...opts.evidence, detail: opts.evidence.detail ?? 'suppressed by import' }),
      IMPORT_SUPPRESSION_REASON,
    );
    report.unsubscribed += r.unsubscribed;
    report.addedToSuppression += r.added;
    report.suppressed += r.listed;
    report.existing += b.emails.length - r.unsubscribed - r.added - r.listed;
  }
}
