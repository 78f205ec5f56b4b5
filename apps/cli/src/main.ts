import 'reflect-metadata';
import { AppConfig, ConfigError } from '@app/config';
import { migrate } from '@app/database';

/**
 * Operator commands that need no HTTP server: `migrate`, `seed`, `user:create`.
 * Usage: npm run cli -- <command> [options]
 */
async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  const config = AppConfig.fromEnvironment();
  switch (command) {
    case 'migrate': {
      const ran = await migrate(config.env.DATABASE_URL);
      console.log(ran.length ? `Applied migrations: ${ran.join(', ')}` : 'Database schema is up to date');
      return;
    }
    default:
      console.error(`Unknown command "${command ?? ''}". Commands: migrate, seed, user:create`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
