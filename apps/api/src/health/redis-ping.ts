import { AppConfig } from '@app/config';
import { createRedisClient, type RedisClient } from '@app/queue';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

/**
 * A connection of its own for the readiness PING: BullMQ's clients queue commands while disconnected and
 * retry forever, which would make a Redis outage look like a slow check instead of a failed one.
 */
@Injectable()
export class RedisPing implements OnApplicationShutdown {
  private readonly client: RedisClient;

  constructor(config: AppConfig) {
    this.client = createRedisClient(config.env, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectionName: 'health',
    });
    this.client.on('error', () => undefined); // reported through ping() failures
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
