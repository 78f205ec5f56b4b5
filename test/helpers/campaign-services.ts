import {
  type BatchResult,
  CampaignRunner,
  CampaignService,
  CampaignWorkerModule,
  DeliveryService,
} from '@app/core';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { ServiceWorld } from '@app/testing/service-world';
import type { Job } from 'bullmq';
import { createEdition, seedAudience } from '../campaign.fixtures';

type DeliverBatchJob = Job<{ campaignId: number; deliveryIds: number[] }>;
type FanOutRangeJob = Job<{ campaignId: number; rangeId: number }>;

/** One delivery row as the tests read it. */
export interface LedgerRow {
  id: number;
  email: string;
  status: string;
  attempts: number;
  last_response: string | null;
  message_id: string | null;
  /** Milliseconds until the next attempt is due (null: none planned). */
  due_in_ms: number | null;
}

/**
 * CampaignService and DeliveryService on a ServiceWorld (real database, Redis prefix and SMTP sink; no HTTP,
 * no worker processes). Nothing consumes the queues: a test runs a campaign's jobs itself — the fan-out with
 * `runner.fanOut` (snapshot + range jobs), its range jobs with `runRangeJobs` (ledger rows + DeliverBatch
 * jobs), both with `fanOut`, its DeliverBatch jobs with `runDeliveryJobs` — and so decides what runs when.
 */
export class CampaignServices {
  readonly campaigns: CampaignService;
  readonly runner: CampaignRunner;
  readonly sender: DeliveryService;
  readonly jobs: JobQueue;
  private editions = 0;

  private constructor(readonly world: ServiceWorld) {
    this.campaigns = world.get(CampaignService);
    this.runner = world.get(CampaignRunner);
    this.sender = world.get(DeliveryService);
    this.jobs = world.get(JobQueue);
  }

  static async start(env: Record<string, string> = {}): Promise<CampaignServices> {
    const world = await ServiceWorld.start({
      imports: [CampaignWorkerModule],
      env,
    });
    return new CampaignServices(world);
  }

  stop(): Promise<void> {
    return this.world.stop();
  }

  /** A draft edition with the April 2025 content, under a month slug of its own (2101-01, 2101-02, ...). */
  edition(): Promise<number> {
    const k = this.editions++;
    return createEdition(this.world, `${2101 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`);
  }

  async editionStatus(editionId: number): Promise<string | undefined> {
    const [row] = await this.world.query<{ status: string }>(`SELECT status FROM edition WHERE id = $1`, [
      editionId,
    ]);
    return row?.status;
  }

  /** `n` confirmed subscribers `<tag>-<i>@example.test`, the only confirmed ones from now on. */
  audience(tag: string, n: number): Promise<void> {
    return seedAudience(this.world, tag, n);
  }

  /**
   * A campaign sent now to `n` fresh readers, its fan-out done and its range jobs run: its ledger is written
   * and its DeliverBatch jobs are waiting.
   */
  async fannedOut(tag: string, n: number): Promise<number> {
    await this.audience(tag, n);
    const c = await this.campaigns.create(await this.edition());
    await this.fanOut(c.id);
    return c.id;
  }

  /** The fan-out (snapshot and range jobs), then every range job: the ledger is written. */
  async fanOut(campaignId: number): Promise<void> {
    await this.runner.fanOut(campaignId);
    await this.runRangeJobs(campaignId);
  }

  /** The campaign's FanOutRange jobs in Redis, in these states. */
  async rangeJobs(
    campaignId: number,
    states: ('waiting' | 'delayed')[] = ['waiting', 'delayed'],
  ): Promise<FanOutRangeJob[]> {
    const jobs = (await this.jobs.queue(QueueName.Campaign).getJobs(states)) as FanOutRangeJob[];
    return jobs.filter(
      (j) => (j.name as JobName) === JobName.FanOutRange && j.data.campaignId === campaignId,
    );
  }

  /** Does what a worker would: takes the campaign's waiting FanOutRange jobs off the queue and runs each. */
  async runRangeJobs(campaignId: number): Promise<number> {
    let written = 0;
    for (;;) {
      const waiting = await this.rangeJobs(campaignId, ['waiting']);
      if (waiting.length === 0) return written;
      for (const job of waiting) {
        await job.remove();
        written += (await this.runner.fanOutRange(job.data.campaignId, job.data.rangeId)).written;
      }
    }
  }

  /** The campaign's DeliverBatch jobs in Redis, in these states. */
  async deliveryJobs(
    campaignId: number,
    states: ('waiting' | 'delayed')[] = ['waiting', 'delayed'],
  ): Promise<DeliverBatchJob[]> {
    const jobs = (await this.jobs.queue(QueueName.Delivery).getJobs(states)) as DeliverBatchJob[];
    return jobs.filter(
      (j) => (j.name as JobName) === JobName.DeliverBatch && j.data.campaignId === campaignId,
    );
  }

  /**
   * Does what a worker would: takes the campaign's waiting DeliverBatch jobs off the queue and runs each
   * with DeliveryService, until none is waiting (delayed retries stay where they are). Returns the results.
   */
  async runDeliveryJobs(campaignId: number): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (;;) {
      const waiting = await this.deliveryJobs(campaignId, ['waiting']);
      if (waiting.length === 0) return results;
      for (const job of waiting) {
        await job.remove();
        results.push(await this.sender.deliverBatch(job.data.campaignId, job.data.deliveryIds));
      }
    }
  }

  /** The campaign's deliveries by address. */
  async ledger(campaignId: number): Promise<Map<string, LedgerRow>> {
    const rows = await this.world.query<LedgerRow>(
      `SELECT d.id, s.email, d.status, d.attempts, d.last_response, d.message_id,
              ceil(extract(epoch FROM d.next_attempt_at - now()) * 1000)::int AS due_in_ms
         FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 ORDER BY d.id`,
      [campaignId],
    );
    return new Map(rows.map((r) => [r.email, r]));
  }

  /** The messages the SMTP sink accepted for this address. */
  received(email: string): number {
    return this.world.smtp.messages.filter((m) => m.envelopeTo.includes(email)).length;
  }
}
