import { JobName, JobQueue } from '@app/queue';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CampaignRunner } from '../campaign-runner.service';
import { CampaignRepository } from '../campaign.repository';
import { jobIds, WATCHDOG_INTERVAL_MS } from '../campaign.constants';
import { WorkerRegistry } from './worker-registry.service';

/** Scheduled campaigns due within this window get their StartCampaign job (re)created. */
const START_LOOKAHEAD_MS = 10_000;
/** How often each worker process beats its heartbeat (well inside WORKER_DEAD_AFTER_SECONDS). */
export const HEARTBEAT_INTERVAL_MS = 2000;
const PRUNE_EVERY_BEATS = 300;

/**
 * Runs in every worker process (not as a BullMQ job, because it must survive the loss of every job in a
 * Redis flush or restart), on two timers of its own:
 * - the heartbeat: this worker's row in worker_heartbeat (PostgreSQL only). It must not wait on Redis: while
 *   Redis is away, BullMQ commands hang (maxRetriesPerRequest null) and a heartbeat stuck behind them would make
 *   a live worker look dead after WORKER_DEAD_AFTER_SECONDS, so that its fresh claims could be released and
 *   sent a second time.
 * - the watchdog: from PostgreSQL — the source of truth — (re)creates the periodic CheckCampaign job of each
 *   running campaign and the StartCampaign job of each scheduled campaign that is due. All enqueues use
 *   deterministic job ids, so many workers doing this at once add each job once.
 * Each timer skips a turn while its previous one still runs, so a hung Redis holds up only the watchdog.
 */
@Injectable()
export class CampaignSupervisor
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(CampaignSupervisor.name);
  private beatTimer?: NodeJS.Timeout;
  private watchdogTimer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private watching?: Promise<void>;
  private stopping = false;
  private beats = 0;

  constructor(
    private readonly jobs: JobQueue,
    private readonly campaigns: CampaignRepository,
    private readonly runner: CampaignRunner,
    private readonly registry: WorkerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.beatTimer = setInterval(() => this.scheduleBeat(), HEARTBEAT_INTERVAL_MS);
    this.beatTimer.unref();
    this.watchdogTimer = setInterval(() => this.scheduleWatchdog(), WATCHDOG_INTERVAL_MS);
    this.watchdogTimer.unref();
    this.scheduleBeat();
    this.scheduleWatchdog();
  }

  /** Keeps beating while in-flight jobs drain, but stops starting campaign work. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.beatTimer);
    clearInterval(this.watchdogTimer);
    await Promise.all([this.beating, this.watching]);
  }

  private scheduleBeat(): void {
    if (this.beating) return; // the previous beat is still waiting on PostgreSQL
    this.beating = this.beat()
      .catch((err: unknown) => {
        if (!this.stopping) this.logger.warn(`worker heartbeat: ${(err as Error).message}`);
      })
      .finally(() => (this.beating = undefined));
  }

  private scheduleWatchdog(): void {
    if (this.watching) return; // the previous pass is still waiting on PostgreSQL or Redis
    this.watching = this.tick()
      .catch((err: unknown) => {
        if (!this.stopping) this.logger.warn(`campaign watchdog: ${(err as Error).message}`);
      })
      .finally(() => (this.watching = undefined));
  }

  /** One heartbeat (PostgreSQL only), and now and then the removal of long-dead workers' rows. */
  async beat(): Promise<void> {
    await this.registry.beat();
    if (++this.beats % PRUNE_EVERY_BEATS === 0 && !this.stopping) await this.registry.prune();
  }

  /** One watchdog pass: reads PostgreSQL, enqueues in Redis (and may wait as long as Redis is away). */
  async tick(): Promise<void> {
    if (this.stopping) return;
    const rows = await this.campaigns.runningOrDueWithin(START_LOOKAHEAD_MS / 1000);
    for (const c of rows) {
      if (c.status === 'running') {
        await this.runner.enqueueCheck(c.id);
      } else {
        await this.jobs.add(
          JobName.StartCampaign,
          { campaignId: c.id },
          {
            jobId: jobIds.start(c.id),
            delay: Math.max(0, c.due_in_ms ?? 0) || undefined,
            removeOnComplete: true,
            removeOnFail: true,
          },
        );
      }
    }
  }
}
