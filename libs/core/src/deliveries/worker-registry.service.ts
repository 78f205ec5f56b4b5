import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';

/** A worker whose heartbeat is older than this is taken for dead and its in-flight sends are released. */
export const WORKER_DEAD_AFTER_SECONDS = 15;

/**
 * Identity and liveness of worker processes, kept in PostgreSQL rather than Redis so that a Redis restart
 * (which loses every key) cannot make live workers look dead and cause resends.
 */
@Injectable()
export class WorkerRegistry {
  readonly id = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private registered?: Promise<void>;

  constructor(private readonly ds: DataSource) {}

  /** Resolves once this process has a heartbeat row: claims made before that could look abandoned. */
  ensureRegistered(): Promise<void> {
    this.registered ??= this.beat().catch((err: unknown) => {
      this.registered = undefined;
      throw err;
    });
    return this.registered;
  }

  async beat(): Promise<void> {
    await this.ds.query(
      `INSERT INTO worker_heartbeat (id, host, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET seen_at = now()`,
      [this.id, hostname().slice(0, 255), process.pid],
    );
  }

  /** Graceful shutdown: in-flight jobs have finished, so nothing of ours needs releasing. */
  async deregister(): Promise<void> {
    await this.ds.query('DELETE FROM worker_heartbeat WHERE id = $1', [this.id]);
  }

  /** Forgets workers silent for an hour (their claims are long released). */
  async prune(): Promise<void> {
    await this.ds.query(`DELETE FROM worker_heartbeat WHERE seen_at < now() - interval '1 hour'`);
  }
}

/**
 * SQL condition (on a `delivery d` row in `sending`) that its sender is gone: the owning worker's heartbeat
 * is stale or missing, or the claim is older than the lease whatever the owner (a live but stuck worker).
 * $lease is a parameter holding the lease in seconds.
 */
export function abandonedClaimSql(leaseParam: string): string {
  return `(d.claimed_at < now() - make_interval(secs => ${leaseParam})
    OR NOT EXISTS (SELECT 1 FROM worker_heartbeat w
                   WHERE w.id = d.claimed_by AND w.seen_at > now() - interval '${WORKER_DEAD_AFTER_SECONDS} seconds'))`;
}
