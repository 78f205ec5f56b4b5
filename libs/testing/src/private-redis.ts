import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './net';
import { stopProcess } from './process';

/**
 * A redis-server of its own on `port` (loopback, no persistence, noeviction as BullMQ needs), resolved once it
 * accepts connections. Restarting it loses every key, like a flush; the shared Redis is never touched.
 * `extraArgs` are more configuration options (e.g. a cluster node's).
 */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.resume();
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
  });
  return child;
}

/**
 * A redis-server of its own (see startRedisServer) that a test may crash and start again without touching the
 * shared Redis other test files use. Shaped like PrivatePostgres.
 */
export class PrivateRedis {
  port = 0;
  private child?: ChildProcess;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    this.child = await startRedisServer(this.port);
    return this;
  }

  /** SIGKILL, like a crash: every key (queued jobs, locks) is lost, as nothing is persisted. */
  async kill(): Promise<void> {
    if (this.child) await stopProcess(this.child, 'SIGKILL');
  }

  /** Starts an empty server again on the same port. */
  async startAgain(): Promise<void> {
    this.child = await startRedisServer(this.port);
  }

  /** Stops the server if it runs. */
  async destroy(): Promise<void> {
    if (this.child) await stopProcess(this.child);
  }
}
