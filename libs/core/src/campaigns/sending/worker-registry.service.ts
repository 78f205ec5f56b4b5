import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';

/**
 * Identity and liveness of worker processes, kept in PostgreSQL rather than Redis so that a Redis restart
 * (which loses every key) cannot make live workers look dead and cause resends. A worker whose heartbeat is
 * older than WORKER_DEAD_AFTER_SECONDS is taken for dead (see DeliveryRepository.releaseAbandoned).
 */
@Injectable()
export class WorkerRegistry {
  readonly id = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private registered?: Promise<void>;

  constructor(private readonly heartbeats: WorkerHeartbeatRepository) {}

  /** Resolves once this process has a heartbeat row: claims made before that could look abandoned. */
  ensureRegistered(): Promise<void> {
    this.registered ??= this.beat().catch((err: unknown) => {
      this.registered = undefined;
      throw err;
    });
    return this.registered;
  }

  async beat(): Promise<void> {
    await this.heartbeats.beat(this.id, hostname().slice(0, 255), process.pid);
  }

  /** Graceful shutdown: in-flight jobs have finished, so nothing of ours needs releasing. */
  async deregister(): Promise<void> {
    await this.heartbeats.remove(this.id);
  }

  /** Forgets workers silent for an hour (their claims are long released). */
  async prune(): Promise<void> {
    await this.heartbeats.removeSilentForAnHour();
  }
}
