import { CampaignStatus, DeliveryStatus, EditionStatus } from '@app/database';
import { JobName, JobQueue, QueueName } from '@app/queue';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignMessageFactory } from '../deliveries/campaign-message.factory';
import { CampaignLedger, type DeliveryCounts } from './campaign-ledger.service';
import { CampaignRunner } from './campaign-runner.service';
import { jobIds } from './campaign.constants';
import type {
  CampaignPage,
  CampaignView,
  DeliveryLogEntry,
  DeliveryPage,
  SendMissedResult,
} from './campaign.types';
import { queryRows } from './query-rows';
import { loadEditionForSend } from './edition-for-send';

interface CampaignRow {
  id: number;
  edition_id: number;
  edition_slug: string;
  subject: string;
  status: CampaignStatus;
  scheduled_at: Date | null;
  started_at: Date | null;
  fanned_out_at: Date | null;
  finished_at: Date | null;
  pause_reason: string | null;
  consecutive_failures: number;
  created_at: Date;
  updated_at: Date;
}

const CAMPAIGN_SELECT = `
  SELECT c.id, c.edition_id, e.slug AS edition_slug, e.subject, c.status, c.scheduled_at, c.started_at,
         c.fanned_out_at, c.finished_at, c.pause_reason, c.consecutive_failures, c.created_at, c.updated_at
    FROM campaign c JOIN edition e ON e.id = c.edition_id`;

/** A scheduledAt this far in the past is a mistake, not "now" (clock skew between client and server is less). */
const PAST_TOLERANCE_MS = 60_000;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** `email` filter of the delivery log: a case-insensitive substring of the address (LIKE wildcards taken literally). */
function emailPattern(email: string | undefined): string | null {
  const q = email?.trim();
  return q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

/** A cancelled campaign cannot start over yet: some of its messages were sent or may be in flight. */
class ReuseRefused extends Error {
  constructor(
    readonly sent: number,
    readonly inFlight: number,
  ) {
    super(`cancelled campaign still has ${sent} sent and ${inFlight} in-flight deliveries`);
  }
}

/**
 * What an editor does with campaigns: send or schedule an edition (one full send per edition), watch it,
 * pause, resume or cancel it, read the per-recipient log, and later send to those who missed it.
 */
@Injectable()
export class CampaignService {
  private readonly logger = new Logger(CampaignService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobQueue,
    private readonly ledger: CampaignLedger,
    private readonly runner: CampaignRunner,
    private readonly messages: CampaignMessageFactory,
  ) {}

  async create(editionId: number, scheduledAt?: string): Promise<CampaignView> {
    const when = this.parseSchedule(scheduledAt);
    const edition = await loadEditionForSend(this.ds, editionId);

    const [existing] = await queryRows<{ id: number; status: CampaignStatus; sent: boolean }>(
      this.ds,
      `SELECT c.id, c.status,
              EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent
         FROM campaign c WHERE c.edition_id = $1`,
      [editionId],
    );
    // A campaign cancelled before anyone received the edition is reused: see reuseCancelled().
    const reusable = existing?.status === CampaignStatus.Cancelled && !existing.sent;
    if (existing && !reusable) {
      if (existing.status === CampaignStatus.Cancelled && edition.status === EditionStatus.Draft) {
        // Messages in flight at the cancel were accepted after it: the edition did reach readers.
        await this.ledger.setEditionStatus(existing.id, EditionStatus.Sent);
      }
      throw this.alreadyHasCampaign(editionId, existing.id);
    }
    if (edition.status !== EditionStatus.Draft) {
      throw new ConflictException(`Edition ${editionId} is ${edition.status}; only a draft can be sent`);
    }
    // Refuse now, with the reason, rather than fail every delivery later.
    try {
      await this.messages.compileEdition(0, edition);
    } catch (err) {
      throw new UnprocessableEntityException(
        `Edition ${editionId} cannot be sent: ${(err as Error).message}`,
      );
    }

    const later = when !== undefined && when.getTime() > Date.now() ? when : undefined;
    const status = CampaignStatus.Scheduled; // "send now" is a schedule for now, started right below
    const scheduledFor = later ?? new Date();
    let id: number;
    if (existing && reusable) {
      id = await this.reuseCancelled(editionId, existing.id, status, scheduledFor);
    } else {
      const rows = await queryRows<{ id: number }>(
        this.ds,
        `INSERT INTO campaign (edition_id, status, scheduled_at) VALUES ($1, $2, $3)
         ON CONFLICT (edition_id) DO NOTHING RETURNING id`,
        [editionId, status, scheduledFor],
      );
      if (!rows[0]) {
        const [raced] = await queryRows<{ id: number }>(
          this.ds,
          `SELECT id FROM campaign WHERE edition_id = $1`,
          [editionId],
        );
        throw this.alreadyHasCampaign(editionId, raced?.id);
      }
      id = rows[0].id;
    }

    if (later) {
      await this.ledger.setEditionStatus(id, EditionStatus.Scheduled);
      await this.jobs.add(
        JobName.StartCampaign,
        { campaignId: id },
        {
          jobId: jobIds.start(id),
          delay: later.getTime() - Date.now(),
          removeOnComplete: true,
          removeOnFail: true,
        },
      );
      this.logger.log(`campaign ${id} for edition ${editionId} scheduled for ${later.toISOString()}`);
    } else {
      await this.runner.start(id);
      this.logger.log(`campaign ${id} for edition ${editionId} started`);
    }
    return this.get(id);
  }

  async get(id: number): Promise<CampaignView> {
    const [row] = await queryRows<CampaignRow>(this.ds, `${CAMPAIGN_SELECT} WHERE c.id = $1`, [id]);
    if (!row) throw new NotFoundException(`Campaign ${id} does not exist`);
    return this.view(row, await this.ledger.counts(id));
  }

  /** Newest first, keyset-paginated by id. */
  async list(opts: { cursor?: string; limit?: number } = {}): Promise<CampaignPage> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
    const before = opts.cursor === undefined ? null : this.parseCursor(opts.cursor);
    const rows = await queryRows<CampaignRow>(
      this.ds,
      `${CAMPAIGN_SELECT} WHERE ($1::int IS NULL OR c.id < $1) ORDER BY c.id DESC LIMIT $2`,
      [before, limit + 1],
    );
    const page = rows.slice(0, limit);
    const counts = await this.countsFor(page.map((r) => r.id));
    return {
      items: page.map((r) => this.view(r, counts.get(r.id))),
      nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
    };
  }

  /** Stops starting new sends; messages already handed to SMTP finish and are recorded. */
  async pause(id: number, reason = 'Paused by an administrator'): Promise<CampaignView> {
    const current = await this.get(id);
    if (current.status === CampaignStatus.Paused) return current;
    const rows = await queryRows<{ id: number }>(
      this.ds,
      `UPDATE campaign SET status = 'paused', pause_reason = left($2, 500), updated_at = now()
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [id, reason],
    );
    if (!rows[0]) throw this.cannot('pause', current.status);
    this.logger.log(`campaign ${id} paused: ${reason}`);
    return this.get(id);
  }

  /**
   * Continues a paused campaign: every delivery still queued is enqueued again. Deliveries already sent
   * are never touched, and claims are conditional, so no one gets a second copy because of a resume.
   */
  async resume(id: number): Promise<CampaignView> {
    const current = await this.get(id);
    if (current.status === CampaignStatus.Running) return current;
    const rows = await queryRows<{ fanned_out_at: Date | null }>(
      this.ds,
      `UPDATE campaign SET status = 'running', pause_reason = NULL, consecutive_failures = 0, updated_at = now()
        WHERE id = $1 AND status = 'paused' RETURNING fanned_out_at`,
      [id],
    );
    if (!rows[0]) throw this.cannot('resume', current.status);
    await this.ledger.releaseAbandoned(id);
    if (!rows[0].fanned_out_at) await this.runner.enqueueFanOut(id);
    const n = await this.ledger.enqueueAllQueued(id, 'p');
    await this.runner.enqueueCheck(id);
    await this.ledger.tryFinalize(id);
    this.logger.log(`campaign ${id} resumed (${n} deliveries queued)`);
    return this.get(id);
  }

  /**
   * Cancels a scheduled, running or paused campaign. Queued deliveries stay queued (the log shows who did
   * not get it). The edition goes back to draft if nobody received it, otherwise it counts as sent. Messages
   * in flight finish and are recorded; should one of them be accepted after this, the edition is marked sent
   * when someone tries to send it again (see reuseCancelled).
   */
  async cancel(id: number): Promise<CampaignView> {
    const current = await this.get(id);
    if (current.status === CampaignStatus.Cancelled) return current;
    const rows = await queryRows<{ id: number }>(
      this.ds,
      `UPDATE campaign SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE id = $1 AND status IN ('scheduled', 'running', 'paused') RETURNING id`,
      [id],
    );
    if (!rows[0]) throw this.cannot('cancel', current.status);
    try {
      await this.jobs.queue(QueueName.Campaign).remove(jobIds.start(id));
    } catch (err) {
      // Already running: StartCampaign only starts a campaign that is still scheduled.
      this.logger.debug(`start job of campaign ${id} not removed: ${(err as Error).message}`);
    }
    const [sent] = await queryRows<{ any: boolean }>(
      this.ds,
      `SELECT EXISTS (SELECT 1 FROM delivery WHERE campaign_id = $1 AND status = 'sent') AS any`,
      [id],
    );
    await this.ledger.setEditionStatus(id, sent?.any ? EditionStatus.Sent : EditionStatus.Draft);
    this.logger.log(`campaign ${id} cancelled`);
    return this.get(id);
  }

  /**
   * For subscribers confirmed after the fan-out and for deliveries that failed: adds the former to the
   * ledger and queues the latter again. Never touches a `sent` delivery, and the ledger holds one row per
   * subscriber, so nobody who received the edition gets it again.
   */
  async sendMissed(id: number): Promise<SendMissedResult> {
    const current = await this.get(id);
    const allowed = [CampaignStatus.Running, CampaignStatus.Paused, CampaignStatus.Completed];
    if (!allowed.includes(current.status)) throw this.cannot('send to missed subscribers of', current.status);
    if (!current.fannedOutAt) {
      throw new ConflictException(
        'The campaign is still writing its recipient list; try again when it is done',
      );
    }
    const { added, requeued } = await this.ds.transaction(async (m) => {
      const re = await queryRows<{ id: number }>(
        m,
        `UPDATE delivery d
            SET status = 'queued', attempts = 0, next_attempt_at = NULL, claimed_by = NULL, updated_at = now(),
                last_response = left('queued again by send-missed; before: ' || coalesce(d.last_response, ''), 1000)
           FROM subscriber s
          WHERE d.campaign_id = $1 AND d.status IN ('failed', 'skipped')
            AND s.id = d.subscriber_id AND s.status = 'confirmed' AND s.email IS NOT NULL
          RETURNING d.id`,
        [id],
      );
      const ins = await queryRows<{ id: number }>(
        m,
        `INSERT INTO delivery (campaign_id, subscriber_id)
         SELECT $1, s.id FROM subscriber s
          WHERE s.status = 'confirmed'
            AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.campaign_id = $1 AND d.subscriber_id = s.id)
          ORDER BY s.id
         ON CONFLICT (campaign_id, subscriber_id) DO NOTHING
         RETURNING id`,
        [id],
      );
      if (re.length + ins.length > 0) {
        await m.query(
          `UPDATE campaign SET status = 'running', finished_at = NULL, updated_at = now(),
                  total = (SELECT count(*) FROM delivery WHERE campaign_id = $1)
            WHERE id = $1 AND status = 'completed'`,
          [id],
        );
      }
      return { added: ins.map((r) => r.id), requeued: re.map((r) => r.id) };
    });
    if ((await this.ledger.status(id)) === CampaignStatus.Running && added.length + requeued.length > 0) {
      await this.ledger.enqueue(id, [...requeued, ...added], { kind: 'requeue', tag: 'm' });
      await this.runner.enqueueCheck(id);
    }
    this.logger.log(`campaign ${id}: send-missed added ${added.length}, requeued ${requeued.length}`);
    return { added: added.length, requeued: requeued.length, campaign: await this.get(id) };
  }

  /**
   * Sends an edition again whose campaign was cancelled before anyone received it: the cancelled campaign
   * (unique per edition) starts over with an empty ledger, so the new fan-out takes a fresh snapshot of the
   * confirmed subscribers and everyone gets exactly one copy. Refused (409, nothing changed) while messages
   * of the cancelled attempt may still be with the SMTP server: their outcome decides whether the edition
   * was sent after all.
   */
  private async reuseCancelled(
    editionId: number,
    campaignId: number,
    status: CampaignStatus,
    scheduledFor: Date,
  ): Promise<number> {
    // A fan-out still running would carry on from its place in the subscriber list once the campaign runs
    // again, past the rows deleted below, and its job id would keep the new fan-out from being queued.
    const fanOut = await this.jobs.queue(QueueName.Campaign).getJob(jobIds.fanOut(campaignId));
    if (fanOut && (await fanOut.getState()) === 'active') {
      throw new ConflictException(
        `Campaign ${campaignId} of edition ${editionId} was cancelled while writing its recipient list and is still stopping; try again in a few seconds`,
      );
    }
    const outcome = await this.ds
      .transaction(async (m) => {
        const [c] = await queryRows<{ status: CampaignStatus }>(
          m,
          `SELECT status FROM campaign WHERE id = $1 FOR UPDATE`,
          [campaignId],
        );
        if (c?.status !== CampaignStatus.Cancelled) return { conflict: 'taken' as const };
        const left = await this.ledger.clearUnsent(m, campaignId);
        if (left.sent > 0 || left.inFlight > 0) {
          // Throwing rolls the deletions back: the cancelled campaign's log stays whole.
          throw new ReuseRefused(left.sent, left.inFlight);
        }
        await m.query(
          `UPDATE campaign SET status = $2, scheduled_at = $3, started_at = NULL, finished_at = NULL,
                fanned_out_at = NULL, total = 0, pause_reason = NULL, consecutive_failures = 0, updated_at = now()
          WHERE id = $1`,
          [campaignId, status, scheduledFor],
        );
        return { conflict: undefined };
      })
      .catch(async (err: unknown) => {
        if (!(err instanceof ReuseRefused)) throw err;
        if (err.sent > 0) {
          // Messages in flight at the cancel were accepted after it: the edition did reach readers.
          await this.ledger.setEditionStatus(campaignId, EditionStatus.Sent);
          throw this.alreadyHasCampaign(editionId, campaignId);
        }
        throw new ConflictException({
          message:
            `Campaign ${campaignId} of edition ${editionId} was cancelled with ${err.inFlight} messages still being ` +
            `handed to the SMTP server; try again once their outcome is recorded (at most a minute or so)`,
          campaignId,
        });
      });
    if (outcome.conflict) throw this.alreadyHasCampaign(editionId, campaignId);
    this.logger.log(`campaign ${campaignId} (cancelled before anyone received it) starts over`);
    return campaignId;
  }

  /** The per-recipient log, keyset-paginated by delivery id. */
  async deliveries(
    id: number,
    opts: { status?: DeliveryStatus; email?: string; cursor?: string; limit?: number } = {},
  ): Promise<DeliveryPage> {
    const [exists] = await queryRows<{ id: number }>(this.ds, `SELECT id FROM campaign WHERE id = $1`, [id]);
    if (!exists) throw new NotFoundException(`Campaign ${id} does not exist`);
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const after = opts.cursor === undefined ? 0 : this.parseCursor(opts.cursor);
    const rows = await queryRows<{
      id: number;
      subscriber_id: number;
      email: string | null;
      status: DeliveryStatus;
      attempts: number;
      last_response: string | null;
      message_id: string | null;
      sent_at: Date | null;
      updated_at: Date;
    }>(
      this.ds,
      `SELECT d.id, d.subscriber_id, s.email, d.status, d.attempts, d.last_response, d.message_id, d.sent_at,
              d.updated_at
         FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 AND ($2::varchar IS NULL OR d.status = $2) AND d.id > $3
          AND ($5::varchar IS NULL OR s.email ILIKE $5 ESCAPE '\\')
        ORDER BY d.id LIMIT $4`,
      [id, opts.status ?? null, after, limit + 1, emailPattern(opts.email)],
    );
    const page = rows.slice(0, limit);
    const items: DeliveryLogEntry[] = page.map((r) => ({
      id: r.id,
      subscriberId: r.subscriber_id,
      email: r.email,
      status: r.status,
      attempts: r.attempts,
      lastResponse: r.last_response,
      messageId: r.message_id,
      sentAt: iso(r.sent_at),
      updatedAt: r.updated_at.toISOString(),
    }));
    return { items, nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
  }

  private view(row: CampaignRow, counts?: DeliveryCounts): CampaignView {
    const c = counts ?? { total: 0, queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
    return {
      id: row.id,
      editionId: row.edition_id,
      editionSlug: row.edition_slug,
      subject: row.subject,
      status: row.status,
      total: c.total,
      sent: c.sent,
      failed: c.failed,
      bounced: c.bounced,
      skipped: c.skipped,
      pending: c.queued + c.sending,
      queued: c.queued,
      sending: c.sending,
      scheduledAt: iso(row.scheduled_at),
      startedAt: iso(row.started_at),
      fannedOutAt: iso(row.fanned_out_at),
      finishedAt: iso(row.finished_at),
      pauseReason: row.pause_reason,
      consecutiveFailures: row.consecutive_failures,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private async countsFor(ids: number[]): Promise<Map<number, DeliveryCounts>> {
    const out = new Map<number, DeliveryCounts>();
    if (ids.length === 0) return out;
    const rows = await queryRows<{ campaign_id: number; status: DeliveryStatus; n: number }>(
      this.ds,
      `SELECT campaign_id, status, count(*)::int AS n FROM delivery WHERE campaign_id = ANY($1::int[])
        GROUP BY campaign_id, status`,
      [ids],
    );
    for (const r of rows) {
      const c = out.get(r.campaign_id) ?? {
        total: 0,
        queued: 0,
        sending: 0,
        sent: 0,
        failed: 0,
        bounced: 0,
        skipped: 0,
      };
      c[r.status] = r.n;
      c.total += r.n;
      out.set(r.campaign_id, c);
    }
    return out;
  }

  private parseSchedule(value: string | undefined): Date | undefined {
    if (value === undefined) return undefined;
    const when = new Date(value);
    if (Number.isNaN(when.getTime()))
      throw new BadRequestException('scheduledAt must be an ISO 8601 date-time');
    if (when.getTime() < Date.now() - PAST_TOLERANCE_MS) {
      throw new BadRequestException('scheduledAt is in the past; leave it out to send now');
    }
    return when;
  }

  private parseCursor(cursor: string): number {
    if (!/^[1-9][0-9]{0,15}$/.test(cursor))
      throw new BadRequestException('cursor must be a value returned as nextCursor');
    return Number(cursor);
  }

  private alreadyHasCampaign(editionId: number, campaignId: number | undefined): ConflictException {
    return new ConflictException({
      message: `Edition ${editionId} already has a campaign${campaignId ? ` (${campaignId})` : ''}: one full send per edition`,
      campaignId,
    });
  }

  private cannot(action: string, status: CampaignStatus): ConflictException {
    return new ConflictException(`Cannot ${action} a campaign that is ${status}`);
  }
}
