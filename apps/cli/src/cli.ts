import { AppConfig } from '@app/config';
import { createDataSource, migrate } from '@app/database';
import type { CliIo } from './prompt';
import { SEEDERS } from './seed';
import { userCreate } from './user-create.command';

const COMMANDS = 'Commands: migrate, seed, user:create --email <address> --role <admin|editor|ops>';

/**
 * Operator commands that need no HTTP server. Returns the exit code; `main.ts` wires it to the process,
 * tests call it with their own streams and environment.
 */
export async function runCli(argv: string[], config: AppConfig, io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'migrate': {
      const ran = await migrate(config.env.DATABASE_URL);
      io.stdout.write(
        ran.length ? `Applied migrations: ${ran.join(', ')}\n` : 'Database schema is up to date\n',
      );
      return 0;
    }
    case 'seed': {
      await migrate(config.env.DATABASE_URL);
      if (SEEDERS.length === 0) {
        io.stdout.write('No seed data registered yet (apps/cli/src/seed.ts)\n');
        return 0;
      }
      const ds = createDataSource(config.env.DATABASE_URL, 2);
      await ds.initialize();
      try {
        for (const seeder of SEEDERS) {
          await seeder.run({ ds, config, log: (line) => io.stdout.write(`${seeder.name}: ${line}\n`) });
        }
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    case 'user:create':
      return userCreate(args, config, io);
    case 'help':
    case '--help':
    case undefined:
      io.stdout.write(`Usage: npm run cli -- <command>\n${COMMANDS}\n`);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`Unknown command "${command}". ${COMMANDS}\n`);
      return 2;
  }
}
