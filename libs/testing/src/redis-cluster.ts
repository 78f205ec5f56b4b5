import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './net';
import { startRedisServer } from './private-redis';
import { stopProcess } from './process';
import { waitUntil } from './wait';

const run = promisify(execFile);

/**
 * A throw-away Redis Cluster of `masters` redis-servers (no replicas) on free loopback ports, each with its
 * cluster state in a temporary directory, the slots spread over them by `redis-cli --cluster create`. Nothing is
 * persisted; `destroy()` stops the servers and removes the directory.
 */
export class RedisClusterServers {
  readonly ports: number[] = [];
  private readonly children: ChildProcess[] = [];
  private dir = '';

  constructor(private readonly masters = 3) {}

  /** REDIS_CLUSTER_NODES for the service: every node as host:port. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async start(): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'nl-redis-cluster-'));
    for (let i = 0; i < this.masters; i++) {
      const port = await freePort();
      // The cluster bus port is port + 10000 by default, which may be taken or out of range: name a free one.
      const busPort = await freePort();
      this.ports.push(port);
      this.children.push(
        await startRedisServer(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(this.dir, `nodes-${port}.conf`),
          '--cluster-port',
          String(busPort),
          '--dir',
          this.dir,
        ]),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // Every node must know the whole slot map before a client's first command lands on it.
    for (const port of this.ports) {
      await waitUntil(
        async () => (await this.command(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        {
          what: `cluster_state:ok on node ${port}`,
          timeoutMs: 30000,
        },
      );
    }
    return this;
  }

  /** One command on one node (not through the cluster client), e.g. CLUSTER COUNTKEYSINSLOT. */
  async command(port: number, ...args: string[]): Promise<string> {
    const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await r.connect();
      const [name, ...rest] = args;
      const reply: unknown = await r.call(name!, ...rest);
      return Array.isArray(reply) ? reply.join('\n') : String(reply);
    } finally {
      r.disconnect();
    }
  }

  /** Every key the cluster holds, with the port of the node that holds it (a node serves only its own slots). */
  async keys(): Promise<{ port: number; key: string }[]> {
    const found: { port: number; key: string }[] = [];
    for (const port of this.ports) {
      const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) found.push({ port, key });
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
    }
    return found;
  }

  async destroy(): Promise<void> {
    for (const child of this.children) await stopProcess(child);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
