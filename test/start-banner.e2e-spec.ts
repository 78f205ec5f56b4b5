import { createTestDatabase, deleteRedisPrefix, freePort, testRedisPrefix } from '@app/testing';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REDIS_URL, ROOT } from './helpers/harness';

const API_ENTRY = join(ROOT, 'dist/apps/api/apps/api/src/main.js');

/**
 * `npm start`'s API process with stdout piped (not a terminal): JSON lines a collector can read, opening
 * with the URL, where mail goes and the command for the first admin; Nest's route map only at debug.
 */
describe('the API start-up lines', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    const built = spawnSync('npx', ['nest', 'build', 'api'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`nest build api failed: ${built.stdout}${built.stderr}`);
    db = await createTestDatabase();
  }, 240_000);
  afterAll(async () => {
    await db?.drop();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  /** Starts the API with `env`, collects stdout until the banner's last line, stops it; the JSON lines. */
  async function startupLines(env: Record<string, string>): Promise<Record<string, unknown>[]> {
    const port = await freePort();
    const child = spawn(process.execPath, [API_ENTRY], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        SECRET_KEY: randomBytes(32).toString('hex'),
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        ...env,
      },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in time:\n${out}\n${err}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('user:create')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`api exited ${code}:\n${out}\n${err}`)));
    });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    return out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('prints JSON lines with the URL, the outbox folder and the first-admin command; no route map at info', async () => {
    const lines = await startupLines({ LOG_LEVEL: 'info', OUTBOX_DIR: 'var/test-outbox' });
    const msgs = lines.map((l) => String(l.msg));
    expect(msgs.find((m) => m.startsWith('Newsletter API listening on http://127.0.0.1:'))).toContain(
      '/admin',
    );
    expect(msgs).toContain(
      `Mail is not sent: each message is written to ${join(ROOT, 'var/test-outbox')} (set SMTP_URL to send)`,
    );
    expect(msgs.some((m) => m.includes('npm run cli -- user:create --email'))).toBe(true);
    expect(lines.every((l) => typeof l.level === 'number')).toBe(true);
    expect(msgs.some((m) => m.startsWith('Mapped {'))).toBe(false);
    expect(msgs.some((m) => / dependencies initialized/.test(m))).toBe(false);
  });

  it('names the SMTP host (never its password), and shows the route map at debug', async () => {
    const lines = await startupLines({
      LOG_LEVEL: 'debug',
      SMTP_URL: 'smtp://mailer:s3cret-pass@smtp.example.test:2587',
    });
    const msgs = lines.map((l) => String(l.msg));
    expect(msgs).toContain('Mail goes out through SMTP at smtp.example.test:2587');
    expect(JSON.stringify(lines)).not.toContain('s3cret-pass');
    const mapped = lines.filter((l) => String(l.msg).startsWith('Mapped {'));
    expect(mapped.length).toBeGreaterThan(10);
    expect(mapped.every((l) => l.level === 20)).toBe(true);
  });
});
