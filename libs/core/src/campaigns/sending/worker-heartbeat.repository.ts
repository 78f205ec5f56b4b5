import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

/** The `worker_heartbeat` table: one row per live worker process, beaten every few seconds. */
@Injectable()
export class WorkerHeartbeatRepository {
  constructor(private readonly db: Database) {}

  /** Creates the worker's row, or moves its `seen_at` to now. */
  async beat(workerId: string, host: string, pid: number): Promise<void> {
    await this.db.rows(
      `INSERT INTO worker_heartbeat (id, host, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET seen_at = now()`,
      [workerId, host, pid],
    );
  }

  async remove(workerId: string): Promise<void> {
    await this.db.rows('DELETE FROM worker_heartbeat WHERE id = $1', [workerId]);
  }

  /** Deletes the rows of workers silent for an hour. */
  async removeSilentForAnHour(): Promise<void> {
    await this.db.rows(`DELETE FROM worker_heartbeat WHERE seen_at < now() - interval '1 hour'`);
  }
}
