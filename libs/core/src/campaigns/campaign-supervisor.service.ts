import { JobName, JobQueue } from '@app/queue';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WorkerRegistry } from '../deliveries/worker-registry.service';
import { CampaignRunner } from './campaign-runner.service';
import { jobIds, WATCHDOG_INTERVAL_MS } from './campaign.constants';
import { queryRows } from './query-rows';

/** Scheduled campaigns due within this window get their StartCampaign job (re)created. */
const START_LOOKAHEAD_MS = 10_000;
const PRUNE_EVERY_TICKS = 300;

/**
 * Runs in every worker process (not as a BullMQ job, because it must survive the loss of every job in a
 * Redis flush or restart): beats this worker's heartbeat, and from PostgreSQL — the source of truth —
 * (re)creates the periodic CheckCampaign job of each running campaign and the StartCampaign job of each
 * scheduled campaign that is due. All enqueues use deterministic job ids, so many workers doing this at
 * once add each job once.
 */
@Injectable()
export class CampaignSupervisor
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(CampaignSupervisor.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  private ticks = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobQueue,
    private readonly runner: CampaignRunner,
    private readonly registry: WorkerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.schedule(), WATCHDOG_INTERVAL_MS);
    this.timer.unref();
    this.schedule();
  }

  /** Keeps beating while in-flight jobs drain, but stops starting campaign work. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.running) return; // the previous tick is still waiting on PostgreSQL or Redis
    this.running = this.tick()
      .catch((err: unknown) => {
        if (!this.stopping) this.logger.warn(`campaign watchdog: ${(err as Error).message}`);
      })
      .finally(() => (this.running = undefined));
  }

  async tick(): Promise<void> {
    await this.registry.beat();
    if (this.stopping) return;
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) await this.registry.prune();
    const rows = await queryRows<{ id: number; status: string; due_in_ms: number | null }>(
      this.ds,
      `SELECT id, status, ceil(extract(epoch FROM scheduled_at - now()) * 1000)::int AS due_in_ms
         FROM campaign
        WHERE status = 'running'
           OR (status = 'scheduled' AND scheduled_at < now() + make_interval(secs => $1))`,
      [START_LOOKAHEAD_MS / 1000],
    );
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
