import { AppConfig } from '@app/config';
import { MailMetrics } from '@app/mailer';
import { QueueName } from '@app/queue';
import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createJobMetrics, createWelcomeMetrics, instrumentTransactionalMessages } from './job.metrics';
import { metricsAuthorized } from './metrics-auth';

/**
 * A worker's own Prometheus endpoint: `GET /metrics` on HOST:WORKER_METRICS_PORT (0 turns it off) with the
 * process metrics and job durations of the BullMQ workers in this process, and its mail (MailMetrics). Each worker machine is scraped on
 * its own, so nothing is shared through Redis. A port already taken is a warning, not a reason to stop sending.
 */
@Injectable()
export class WorkerMetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly logger = new Logger('WorkerMetrics');
  private server?: Server;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: AppConfig,
    private readonly mail: MailMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    collectDefaultMetrics({ register: this.registry });
    this.mail.registerInto(this.registry);
    const jobs = createJobMetrics(this.registry);
    const welcomes = createWelcomeMetrics(this.registry);
    const workers = this.findWorkers();
    for (const w of workers) {
      jobs.instrument(w);
      welcomes.instrument(w);
      if (w.name === (QueueName.Mail as string)) instrumentTransactionalMessages(w, this.mail);
    }
    const port = this.config.env.WORKER_METRICS_PORT;
    if (port === 0) return;
    await this.listen(
      port,
      this.config.env.HOST,
      workers.map((w) => w.name),
    );
  }

  /** Where the endpoint listens (undefined when off or the port was taken). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private findWorkers(): Worker[] {
    const found: Worker[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof WorkerHost)) continue;
      try {
        found.push(instance.worker as Worker);
      } catch {
        // a processor registered manually and not started yet has no worker to watch
      }
    }
    return found;
  }

  private listen(port: number, host: string, queues: string[]): Promise<void> {
    const token = this.config.env.METRICS_TOKEN;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      if (!metricsAuthorized(req.headers.authorization, token)) {
        res
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
          .end('Unauthorized\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
      );
    });
    return new Promise((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.logger.warn(`worker metrics not served on ${host}:${port}: ${err.code ?? err.message}`);
        resolve();
      });
      server.listen(port, host, () => {
        this.server = server;
        this.logger.log(
          `worker metrics on http://${host}:${this.port}/metrics (queues: ${queues.join(', ') || 'none'})`,
        );
        resolve();
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
