import 'reflect-metadata';
import { AppConfig, ConfigError } from '@app/config';
import { runCli } from './cli';

/**
 * Operator commands that need no HTTP server: `migrate`, `seed`, `user:create`.
 * Usage: npm run cli -- <command> [options]
 */
async function main(argv: string[]): Promise<void> {
  const config = AppConfig.fromEnvironment();
  process.exitCode = await runCli(argv, config, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
