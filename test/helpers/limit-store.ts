import { AppConfig, envSchema } from '@app/config';
import { deleteRedisPrefix, testRedisPrefix } from '@app/testing';
import { ApiMetrics } from '../../apps/api/src/metrics/api-metrics.service';
import { LimitMetrics } from '../../apps/api/src/limits/limit-metrics';
import { LimitStore } from '../../apps/api/src/limits/limit-store';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A LimitStore on the test Redis under a prefix of its own, for unit tests of its callers. */
export function testLimitStore(redisUrl = TEST_REDIS_URL): {
  store: LimitStore;
  metrics: LimitMetrics;
  close: () => Promise<void>;
} {
  const prefix = testRedisPrefix();
  const config = new AppConfig(envSchema.parse({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix }));
  const store = new LimitStore(config);
  // ApiMetrics' queue, ledger and backlog collectors only run at scrape time: no queue, database or budget
  // is needed here.
  const metrics = new LimitMetrics(new ApiMetrics({ all: () => [] } as never, {} as never, {} as never));
  return {
    store,
    metrics,
    close: async () => {
      store.onApplicationShutdown();
      if (redisUrl === TEST_REDIS_URL) await deleteRedisPrefix(redisUrl, prefix);
    },
  };
}
