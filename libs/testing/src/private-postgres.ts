import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries installed under /usr/lib/postgresql/<major>/bin. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0]) throw new Error(`no PostgreSQL server binaries (pg_ctl) under ${root}`);
  return join(root, majors[0], 'bin');
}

/**
 * A throw-away PostgreSQL cluster of its own (trust auth, 127.0.0.1, a free port, fsync off) that a test may
 * stop and restart without disturbing the shared server other test files use. PostgreSQL refuses to run
 * as root, so when the tests run as root the server runs as the `postgres` OS user.
 */
export class PrivatePostgres {
  port = 0;
  private dir = '';
  private readonly bin = postgresBinDir();
  private readonly asRoot = process.getuid?.() === 0;

  /** Admin URL (database `postgres`, superuser `postgres`): the base for createTestDatabase. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private async exec(tool: string, args: string[]): Promise<string> {
    const cmd = join(this.bin, tool);
    const [file, argv] = this.asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    try {
      const { stdout } = await run(file, argv, { cwd: this.dir, timeout: 60000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${tool} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
  }

  async start(): Promise<this> {
    this.port = await freePort();
    this.dir = await mkdtemp(join(tmpdir(), 'nl-pg-'));
    if (this.asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await chmod(this.dir, 0o700);
    await this.exec('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await this.startServer();
    return this;
  }

  private async startServer(): Promise<void> {
    const opts = [
      `-p ${this.port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${this.dir}`,
      // fsync off is safe for a stop/crash of the server (the OS keeps the data); synchronous_commit stays on,
      // or an immediate stop would lose commits the clients were told about.
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=32MB',
    ].join(' ');
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      opts,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** Stops the server: `immediate` drops every connection at once (like a crash), `fast` shuts down cleanly. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Starts the stopped server again on the same port with the same data. */
  async startAgain(): Promise<void> {
    await this.startServer();
  }

  async restart(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.stop(mode);
    await this.startAgain();
  }

  /** Stops the server (if running) and deletes its data. */
  async destroy(): Promise<void> {
    if (!this.dir) return;
    try {
      await this.stop('immediate');
    } catch {
      // already stopped
    }
    await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
