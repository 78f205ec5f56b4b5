import type { AppConfig } from '@app/config';
import {
  AccountsError,
  AccountsService,
  ApiTokenRepository,
  isRole,
  passwordProblem,
  ROLES,
  SessionRepository,
  UserRepository,
} from '@app/core/accounts';
import { createDataSource, Database, migrate } from '@app/database';
import { parseArgs } from 'node:util';
import { type CliIo, promptHidden, readFirstLine } from './prompt';

export const USER_CREATE_USAGE =
  'Usage: npm run cli -- user:create --email <address> --role <admin|editor|ops>\n' +
  '  The password (12 characters or more) is prompted for, or read from the first line of stdin when piped.';

/** `user:create --email a@b.c --role admin`: how the first admin comes to exist. Returns the exit code. */
export async function userCreate(args: string[], config: AppConfig, io: CliIo): Promise<number> {
  let email: string | undefined;
  let role: string | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: { email: { type: 'string' }, role: { type: 'string' } },
      strict: true,
    });
    ({ email, role } = values);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n${USER_CREATE_USAGE}\n`);
    return 2;
  }
  if (!email || !role) {
    io.stderr.write(`--email and --role are required.\n${USER_CREATE_USAGE}\n`);
    return 2;
  }
  if (!isRole(role)) {
    io.stderr.write(`--role must be one of: ${ROLES.join(', ')}\n`);
    return 2;
  }

  let password: string;
  if (io.stdin.isTTY) {
    password = await promptHidden(`Password for ${email}: `, io);
    const problem = passwordProblem(password);
    if (problem) {
      io.stderr.write(`${problem}\n`);
      return 2;
    }
    if ((await promptHidden('Repeat the password: ', io)) !== password) {
      io.stderr.write('The passwords do not match\n');
      return 2;
    }
  } else {
    password = await readFirstLine(io.stdin);
  }
  const problem = passwordProblem(password);
  if (problem) {
    io.stderr.write(`${problem}\n`);
    return 2;
  }

  await migrate(config.env.DATABASE_URL);
  const ds = createDataSource(config.env.DATABASE_URL, 2);
  await ds.initialize();
  try {
    const db = new Database(ds);
    const accounts = new AccountsService(
      db,
      new UserRepository(db),
      new SessionRepository(db),
      new ApiTokenRepository(db),
    );
    const user = await accounts.createUser({ email, role, password });
    io.stdout.write(
      `Created ${user.role} ${user.email} (id ${user.id}). Sign in at ${config.url('/admin/login')}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof AccountsError) {
      io.stderr.write(`${e.message}\n`);
      return e.kind === 'conflict' ? 3 : 2;
    }
    throw e;
  } finally {
    await ds.destroy();
  }
}
