import { AppConfig, ConfigError } from './app-config';
import { redisHashTag } from './config.schema';

/** Issue 17: REDIS_CLUSTER_NODES and the hash-tagged REDIS_PREFIX it requires, checked at boot. */
describe('Redis Cluster configuration', () => {
  const boot = (env: Record<string, string>) => AppConfig.fromEnvironment({ NODE_ENV: 'test', ...env }).env;
  const problem = (env: Record<string, string>): string => {
    try {
      boot(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('booted');
  };

  it('a single Redis keeps the prefix it always had; a cluster defaults to a hash-tagged one', () => {
    const single = boot({});
    expect(single.REDIS_PREFIX).toBe('nl');
    expect(single.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(boot({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' })).toMatchObject({
      REDIS_PREFIX: '{nl}',
      REDIS_CLUSTER_NODES: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    expect(boot({ REDIS_CLUSTER_NODES: 'r:7000', REDIS_PREFIX: 'news{prod}' }).REDIS_PREFIX).toBe(
      'news{prod}',
    );
    // a single Redis may use a hash-tagged prefix too (ready to move to a cluster)
    expect(boot({ REDIS_PREFIX: '{nl}' }).REDIS_PREFIX).toBe('{nl}');
  });

  it('refuses a cluster prefix without a hash tag, a database number, and nodes that are not host:port', () => {
    expect(problem({ REDIS_CLUSTER_NODES: 'r:7000', REDIS_PREFIX: 'nl' })).toMatch(
      /REDIS_PREFIX: must contain a hash tag such as \{nl\}/,
    );
    expect(problem({ REDIS_CLUSTER_NODES: 'r:7000', REDIS_PREFIX: 'nl{}x' })).toMatch(/REDIS_PREFIX/);
    expect(problem({ REDIS_CLUSTER_NODES: 'r:7000', REDIS_URL: 'redis://r:7000/2' })).toMatch(
      /REDIS_URL: must name no database/,
    );
    expect(problem({ REDIS_CLUSTER_NODES: 'r:7000,r' })).toMatch(/REDIS_CLUSTER_NODES: "r" is not host:port/);
    expect(problem({ REDIS_CLUSTER_NODES: 'r:70000' })).toMatch(/REDIS_CLUSTER_NODES/);
    expect(problem({ REDIS_CLUSTER_NODES: ' , ' })).toMatch(
      /REDIS_CLUSTER_NODES: must list at least one node/,
    );
    expect(problem({ REDIS_PREFIX: 'n l' })).toMatch(/REDIS_PREFIX/);
  });

  it('finds the hash tag as the cluster does: the first {…} with something inside', () => {
    expect(redisHashTag('{nl}:mail:wait')).toBe('nl');
    expect(redisHashTag('nl:{a}{b}')).toBe('a');
    expect(redisHashTag('{}{nl}')).toBeUndefined();
    expect(redisHashTag('nl:{')).toBeUndefined();
    expect(redisHashTag('nl')).toBeUndefined();
  });
});
