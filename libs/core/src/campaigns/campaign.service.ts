import { CampaignStatus, DeliveryStatus, EditionStatus } from '@app/database';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { Database } from '@app/database';
import { ConflictError, InvalidInputError, NotFoundError, UnprocessableError } from '../common/domain.errors';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { CampaignEditionRepository } from './campaign-edition.repository';
import { CampaignMessageFactory } from './campaign-message.factory';
import { type CampaignOverride, CampaignRepository, type CampaignRow } from './campaign.repository';
import { CampaignRunner } from './campaign-runner.service';
import { CampaignScheduler } from './campaign-scheduler.service';
import { COMPLAINT_RATE_LIMIT, feedbackRates, jobIds } from './campaign.constants';
import type {
  CampaignPage,
  CampaignView,
  DeliveryCounts,
  DeliveryLogEntry,
  DeliveryPage,
  SendMissedResult,
} from './campaign.types';
import { DeliveryRepository, emptyCounts } from './delivery.repository';

/** A scheduledAt this far in the past is a mistake, not "now" (clock skew between client and server is less). */
const PAST_TOLERANCE_MS = 60_000;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

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
    private readonly db: Database,
    private readonly jobs: JobQueue,
    private readonly scheduler: CampaignScheduler,
    private readonly runner: CampaignRunner,
    private readonly messages: CampaignMessageFactory,
    private readonly campaigns: CampaignRepository,
    private readonly deliveryLedger: DeliveryRepository,
    private readonly editions: CampaignEditionRepository,
  ) {}

  /**
   * Creates the edition's campaign. `override` records who sent it despite failed pre-send checks (the gate
   * itself is EditionSendService's, which runs the check): callers other than that gate pass none.
   */
  async create(
    editionId: number,
    scheduledAt?: string,
    override: CampaignOverride | null = null,
  ): Promise<CampaignView> {
    const when = this.parseSchedule(scheduledAt);
    const edition = await this.editions.findForSend(editionId);
    if (!edition) throw new NotFoundError(`Edition ${editionId} does not exist`);
    const existing = await this.campaigns.findForEdition(editionId);
    // A campaign cancelled before anyone received the edition is reused: see reuseCancelled().
    const reusable = existing?.status === CampaignStatus.Cancelled && !existing.sent;
    if (existing && !reusable) {
      if (existing.status === CampaignStatus.Cancelled && edition.status === EditionStatus.Draft) {
        // Messages in flight at the cancel were accepted after it: the edition did reach readers.
        await this.scheduler.setEditionStatus(existing.id, EditionStatus.Sent);
      }
      throw this.alreadyHasCampaign(editionId, existing.id);
    }
    if (edition.status !== EditionStatus.Draft) {
      throw new ConflictError(`Edition ${editionId} is ${edition.status}; only a draft can be sent`);
    }
    // Refuse now, with the reason, rather than fail every delivery later.
    try {
      await this.messages.compileEdition(0, edition);
    } catch (err) {
      throw new UnprocessableError(`Edition ${editionId} cannot be sent: ${(err as Error).message}`);
    }

    const later = when !== undefined && when.getTime() > Date.now() ? when : undefined;
    const status = CampaignStatus.Scheduled; // "send now" is a schedule for now, started right below
    const scheduledFor = later ?? new Date();
    let id: number;
    if (existing && reusable) {
      id = await this.reuseCancelled(editionId, existing.id, status, scheduledFor, override);
    } else {
      const created = await this.campaigns.insertForEdition(editionId, status, scheduledFor, override);
      if (created === undefined) {
        throw this.alreadyHasCampaign(editionId, await this.campaigns.idForEdition(editionId));
      }
      id = created;
    }

    if (later) {
      await this.scheduler.setEditionStatus(id, EditionStatus.Scheduled);
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
    const row = await this.campaigns.findRow(id);
    if (!row) throw new NotFoundError(`Campaign ${id} does not exist`);
    const [counts, late] = await Promise.all([
      this.deliveryLedger.countsByStatus(id),
      this.campaigns.lateBounces([id]),
    ]);
    return this.view(row, counts, late.get(id));
  }

  /** Newest first, keyset-paginated by id. */
  async list(opts: { cursor?: string; limit?: number } = {}): Promise<CampaignPage> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
    const before = opts.cursor === undefined ? null : decodeCursor(opts.cursor);
    const rows = await this.campaigns.listRows(before, limit + 1);
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.id);
    const [counts, late] = await Promise.all([
      this.deliveryLedger.countsByCampaign(ids),
      this.campaigns.lateBounces(ids),
    ]);
    return {
      items: page.map((r) => this.view(r, counts.get(r.id), late.get(r.id))),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  /** Stops starting new sends; messages already handed to SMTP finish and are recorded. */
  async pause(id: number, reason = 'Paused by an administrator'): Promise<CampaignView> {
    const current = await this.get(id);
    if (current.status === CampaignStatus.Paused) return current;
    if (!(await this.campaigns.pauseRunning(id, reason))) throw this.cannot('pause', current.status);
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
    const resumed = await this.campaigns.resumePaused(id);
    if (!resumed) throw this.cannot('resume', current.status);
    await this.scheduler.releaseAbandoned(id);
    if (!resumed.fanned_out_at) await this.runner.enqueueFanOut(id);
    const n = await this.scheduler.enqueueAllQueued(id, 'p');
    await this.runner.enqueueCheck(id);
    await this.scheduler.tryFinalize(id);
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
    if (!(await this.campaigns.cancelActive(id))) throw this.cannot('cancel', current.status);
    try {
      await this.jobs.queue(QueueName.Campaign).remove(jobIds.start(id));
    } catch (err) {
      // Already running: StartCampaign only starts a campaign that is still scheduled.
      this.logger.debug(`start job of campaign ${id} not removed: ${(err as Error).message}`);
    }
    const sent = await this.deliveryLedger.anySent(id);
    await this.scheduler.setEditionStatus(id, sent ? EditionStatus.Sent : EditionStatus.Draft);
    this.logger.log(`campaign ${id} cancelled`);
    return this.get(id);
  }

  /**
   * For subscribers confirmed after the campaign's snapshot and for deliveries that failed: adds the former to the
   * ledger and queues the latter again. Never touches a `sent` delivery, and the ledger holds one row per
   * subscriber, so nobody who received the edition gets it again.
   */
  async sendMissed(id: number): Promise<SendMissedResult> {
    const current = await this.get(id);
    const allowed = [CampaignStatus.Running, CampaignStatus.Paused, CampaignStatus.Completed];
    if (!allowed.includes(current.status)) throw this.cannot('send to missed subscribers of', current.status);
    // Until every range is written, the readers of the open ones are recipients already (their rows come with
    // their range), and adding everyone without a row here would write the whole list in one transaction.
    if (!current.fannedOutAt || ((await this.campaigns.findRow(id))?.open_ranges ?? 0) > 0) {
      throw new ConflictError('The campaign is still writing its recipient list; try again when it is done');
    }
    const { added, requeued } = await this.db.transaction(async (tx) => {
      const again = await this.deliveryLedger.requeueFailedForConfirmed(id, tx);
      const missing = await this.deliveryLedger.insertForConfirmedWithout(id, tx);
      if (again.length + missing.length > 0) await this.campaigns.reopenCompleted(id, tx);
      return { added: missing, requeued: again };
    });
    if ((await this.campaigns.status(id)) === CampaignStatus.Running && added.length + requeued.length > 0) {
      await this.scheduler.enqueue(id, [...requeued, ...added], { kind: 'requeue', tag: 'm' });
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
    override: CampaignOverride | null,
  ): Promise<number> {
    // A fan-out still running would carry on from its place in the subscriber list once the campaign runs
    // again, past the rows deleted below, and its job id would keep the new fan-out from being queued.
    const fanOut = await this.jobs.queue(QueueName.Campaign).getJob(jobIds.fanOut(campaignId));
    if (fanOut && (await fanOut.getState()) === 'active') {
      throw new ConflictError(
        `Campaign ${campaignId} of edition ${editionId} was cancelled while writing its recipient list and is still stopping; try again in a few seconds`,
      );
    }
    const outcome = await this.db
      .transaction(async (tx) => {
        if ((await this.campaigns.lockStatus(campaignId, tx)) !== CampaignStatus.Cancelled) {
          return { conflict: 'taken' as const };
        }
        const left = await this.scheduler.clearUnsent(tx, campaignId);
        if (left.sent > 0 || left.inFlight > 0) {
          // Throwing rolls the deletions back: the cancelled campaign's log stays whole.
          throw new ReuseRefused(left.sent, left.inFlight);
        }
        await this.campaigns.restart(campaignId, status, scheduledFor, override, tx);
        return { conflict: undefined };
      })
      .catch(async (err: unknown) => {
        if (!(err instanceof ReuseRefused)) throw err;
        if (err.sent > 0) {
          // Messages in flight at the cancel were accepted after it: the edition did reach readers.
          await this.scheduler.setEditionStatus(campaignId, EditionStatus.Sent);
          throw this.alreadyHasCampaign(editionId, campaignId);
        }
        throw new ConflictError(
          `Campaign ${campaignId} of edition ${editionId} was cancelled with ${err.inFlight} messages still being ` +
            `handed to the SMTP server; try again once their outcome is recorded (at most a minute or so)`,
          { campaignId },
        );
      });
    if (outcome.conflict) throw this.alreadyHasCampaign(editionId, campaignId);
    this.logger.log(`campaign ${campaignId} (cancelled before anyone received it) starts over`);
    return campaignId;
  }

  /** The `limit` deliveries of a campaign that changed last, newest first (the campaign page shows 20). */
  async latestDeliveries(id: number, limit = 20): Promise<DeliveryLogEntry[]> {
    return this.deliveryLedger.latestChanged(id, Math.min(Math.max(limit, 1), 100));
  }

  /** The per-recipient log, keyset-paginated by delivery id. */
  async deliveries(
    id: number,
    opts: { status?: DeliveryStatus; email?: string; cursor?: string; limit?: number } = {},
  ): Promise<DeliveryPage> {
    if (!(await this.campaigns.exists(id))) throw new NotFoundError(`Campaign ${id} does not exist`);
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const after = opts.cursor === undefined ? 0 : decodeCursor(opts.cursor);
    const rows = await this.deliveryLedger.logPage(id, {
      status: opts.status,
      email: opts.email,
      afterId: after,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  private view(row: CampaignRow, counts?: DeliveryCounts, lateBounces = 0): CampaignView {
    const c = counts ?? emptyCounts();
    const { bounceRate, complaintRate } = feedbackRates(c);
    // While ranges of the snapshot are open their readers have no ledger row yet: they count as queued, so
    // the total is the snapshot's from the start. Once every range is written the ledger is the whole truth
    // (a reader who left before their range was written is not a recipient and drops out of the total).
    const unwritten = row.open_ranges > 0 ? Math.max(0, row.total - c.total) : 0;
    return {
      id: row.id,
      editionId: row.edition_id,
      editionSlug: row.edition_slug,
      subject: row.subject,
      status: row.status,
      total: c.total + unwritten,
      sent: c.sent,
      failed: c.failed,
      bounced: c.bounced,
      complained: c.complained,
      skipped: c.skipped,
      lateBounces,
      bounceRate,
      complaintRate,
      complaintRateOverLimit: complaintRate !== null && complaintRate >= COMPLAINT_RATE_LIMIT,
      pending: c.queued + c.sending + unwritten,
      queued: c.queued + unwritten,
      sending: c.sending,
      scheduledAt: iso(row.scheduled_at),
      startedAt: iso(row.started_at),
      fannedOutAt: iso(row.fanned_out_at),
      finishedAt: iso(row.finished_at),
      pauseReason: row.pause_reason,
      consecutiveFailures: row.consecutive_failures,
      override: row.override_at
        ? {
            byUserId: row.override_by,
            byEmail: row.override_by_email,
            at: row.override_at.toISOString(),
            failedChecks: row.override_checks ?? [],
          }
        : null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private parseSchedule(value: string | undefined): Date | undefined {
    if (value === undefined) return undefined;
    const when = new Date(value);
    if (Number.isNaN(when.getTime()))
      throw new InvalidInputError('scheduledAt must be an ISO 8601 date-time');
    if (when.getTime() < Date.now() - PAST_TOLERANCE_MS) {
      throw new InvalidInputError('scheduledAt is in the past; leave it out to send now');
    }
    return when;
  }

  private alreadyHasCampaign(editionId: number, campaignId: number | undefined): ConflictError {
    return new ConflictError(
      `Edition ${editionId} already has a campaign${campaignId ? ` (${campaignId})` : ''}: one full send per edition`,
      { campaignId },
    );
  }

  private cannot(action: string, status: CampaignStatus): ConflictError {
    return new ConflictError(`Cannot ${action} a campaign that is ${status}`);
  }
}
