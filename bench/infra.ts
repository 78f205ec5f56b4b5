/**
 * What the benchmarks run against: a private Redis (so INFO memory counts only the bench's keys and other
 * users of the shared Redis are not disturbed), Postfix's smtp-sink and smtp-source, throw-away databases and
 * child processes whose peak RSS is read from /proc.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer } from '@app/testing';

export const ROOT = join(__dirname, '..', '..', '..');
export const SMTP_SINK = '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export { freePort };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

/** Installs Debian's postfix package for smtp-sink/smtp-source if they are missing. Returns whether they exist. */
export function ensurePostfixTools(): boolean {
  if (existsSync(SMTP_SINK) && existsSync(SMTP_SOURCE)) return true;
  console.error('[bench] /usr/sbin/smtp-sink missing: installing postfix (apt-get)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) => spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run(['install', '-y', 'postfix']).status !== 0) {
    run(['update']);
    run(['install', '-y', 'postfix']);
  }
  const ok = existsSync(SMTP_SINK) && existsSync(SMTP_SOURCE);
  if (!ok) console.error('[bench] postfix could not be installed: the SMTP benchmarks are skipped');
  return ok;
}

/** Peak resident set size (VmHWM) of a live process, in MiB. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used so far, in seconds (clock ticks of 10 ms). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `node entry` and resolves once its output contains `ready`, or (`{ httpGet }`) once that URL answers
 * 200: an API run at LOG_LEVEL=warn (so request logs do not weigh on the figures) prints no start banner.
 */
export async function spawnNode(
  entry: string,
  env: Record<string, string>,
  ready: string | { httpGet: string },
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = false;
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-20000);
      if (typeof ready === 'string' && output.includes(ready)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`${entry} exited with ${code}: ${output.slice(-3000)}`));
    });
    if (typeof ready !== 'string') {
      const poll = async (): Promise<void> => {
        while (!exited) {
          const ok = await fetch(ready.httpGet).then(
            (r) => r.status === 200,
            () => false,
          );
          if (ok) return resolve();
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });
  // Keep draining the pipes so a chatty child never blocks on a full pipe.
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.BENCH_DEBUG) process.stderr.write(d);
  });
  return child;
}

export interface PrivateRedis {
  url: string;
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

/** A redis-server of the bench's own on a free port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = await startRedisServer(port);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  return {
    url,
    async usedMemory() {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
    },
    async stop() {
      client.disconnect();
      await stopChild(child);
    },
  };
}

export interface SmtpSinkProcess {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Postfix's smtp-sink on a free loopback port: accepts and discards every message. */
export async function startSmtpSink(): Promise<SmtpSinkProcess> {
  const port = await freePort();
  const args = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const child = spawn(SMTP_SINK, [...args, `127.0.0.1:${port}`, '1024'], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, url: `smtp://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/**
 * Postfix's smtp-source: `messages` messages of `size` bytes over `sessions` parallel sessions. Returns the
 * wall time and its CPU time (user + system, read from the waiting shell's cutime/cstime), in seconds.
 */
export function runSmtpSource(
  port: number,
  messages: number,
  sessions: number,
  size: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const t0 = process.hrtime.bigint();
  const args = ['-m', String(messages), '-s', String(sessions), '-l', String(size)];
  args.push('-f', 'bench@example.test', '-t', 'reader@example.test', `127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', `"$0" "$@" >/dev/null || exit 1; cat /proc/$$/stat`, SMTP_SOURCE, ...args],
      { maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => {
        const wall = seconds(t0);
        if (err) return reject(new Error(`smtp-source failed: ${err.message} ${stderr}`));
        const fields = stdout.slice(stdout.lastIndexOf(')') + 2).split(' ');
        // cutime and cstime: CPU of waited-for children (smtp-source), in clock ticks of 10 ms
        resolve({ seconds: wall, cpuSeconds: (Number(fields[13]) + Number(fields[14])) / 100 });
      },
    );
  });
}
