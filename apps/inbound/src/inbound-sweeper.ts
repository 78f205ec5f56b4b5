import { InboundIntake } from '@app/core';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';

/** How often the sweep runs. */
export const SWEEP_INTERVAL_MS = 30_000;
/**
 * Messages still `received` this long after they were stored get their job again. A job added twice is
 * harmless (same job id; the handler skips a message no longer `received`), so this only keeps the sweep from
 * re-adding the jobs of a healthy queue's backlog every time.
 */
export const SWEEP_AGE_MS = 60_000;

/**
 * Adds the processing job of every message whose job was never added: stored while Redis was down, or by a
 * process that died between the commit and the enqueue. Once at boot (every message left `received` by an
 * earlier process), then every SWEEP_INTERVAL_MS. A sweep never overlaps the previous one (a sweep waiting
 * for Redis to come back can take long), and a failure is logged and retried at the next tick.
 */
@Injectable()
export class InboundSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(InboundSweeper.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly intake: InboundIntake) {}

  onApplicationBootstrap(): void {
    void this.sweep(0);
    this.timer = setInterval(() => void this.sweep(SWEEP_AGE_MS), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(olderThanMs: number): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const n = await this.intake.sweep(olderThanMs);
      if (n > 0) this.log.log(`inbound sweep: queued ${n} stored message(s) that had no job`);
    } catch (err) {
      this.log.warn(`inbound sweep failed (retried in ${SWEEP_INTERVAL_MS / 1000} s): ${String(err)}`);
    } finally {
      this.running = false;
    }
  }
}
