import { freePort, stopProcess } from '@app/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './harness';

export { buildDsn, type DsnOptions } from './dsn';

export const INBOUND_ENTRY = join(ROOT, 'dist/apps/inbound/apps/inbound/src/main.js');

/**
 * One real inbound SMTP server process (the compiled apps/inbound, built by the Jest global setup) on a free
 * loopback port, with a world's environment. `start` resolves once it logs that it listens.
 */
export class InboundServerProcess {
  child?: ChildProcess;
  port = 0;
  output = '';

  constructor(private readonly env: () => Record<string, string>) {}

  async start(extraEnv: Record<string, string> = {}): Promise<this> {
    if (!this.port) this.port = await freePort();
    const child = spawn(process.execPath, [INBOUND_ENTRY], {
      env: {
        ...process.env,
        ...this.env(),
        LOG_LEVEL: 'info',
        INBOUND_HOST: '127.0.0.1',
        INBOUND_SMTP_PORT: String(this.port),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const keep = (d: Buffer) => {
      // the last 200 kB are enough to explain a failure
      this.output = (this.output + d.toString()).slice(-200_000);
      if (process.env.INBOUND_TEST_DEBUG) process.stderr.write(`[inbound ${child.pid}] ${d.toString()}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (this.output.includes('listening on')) {
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) =>
        reject(new Error(`inbound exited with ${code}: ${this.output.slice(-2000)}`));
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    return this;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child) await stopProcess(this.child, signal);
  }
}

export interface SmtpReply {
  code: number;
  /** The whole reply, lines joined with \n (codes included). */
  text: string;
}

/**
 * A bare SMTP client over a socket, one command and one reply at a time, for what a mail library hides: each
 * RCPT's own reply, a refused greeting, a client that stops talking.
 */
export class SmtpClient {
  private buffer = '';
  private waiting: ((r: SmtpReply) => void)[] = [];
  private replies: SmtpReply[] = [];
  readonly closed: Promise<void>;
  greeting!: SmtpReply;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    // A reset by the server is a close like any other here.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<SmtpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new SmtpClient(socket);
    client.greeting = await client.reply();
    return client;
  }

  private onData(d: string): void {
    this.buffer += d;
    // A reply ends with a line "NNN text" (a space, not a dash, after the code).
    for (;;) {
      const lines = this.buffer.split('\r\n');
      let end = -1;
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3}(?: |$)/.test(lines[i]!)) {
          end = i;
          break;
        }
      }
      if (end < 0) return;
      const text = lines.slice(0, end + 1).join('\n');
      this.buffer = lines.slice(end + 1).join('\r\n');
      const r = { code: Number(text.slice(text.lastIndexOf('\n') + 1).slice(0, 3)), text };
      const w = this.waiting.shift();
      if (w) w(r);
      else this.replies.push(r);
    }
  }

  /** The next reply (rejects if the connection closes first). */
  reply(): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      void this.closed.then(() => reject(new Error(`connection closed; unread: ${this.buffer}`)));
    });
  }

  async command(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** DATA, then the message (dot-stuffed, CRLF line ends) and the final dot: the reply to the message. */
  async data(message: Buffer | string): Promise<SmtpReply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    this.writeMessage(message);
    return this.reply();
  }

  /** Writes a message body and its final dot without waiting (large messages: the socket buffers it). */
  writeMessage(message: Buffer | string): void {
    const text = Buffer.isBuffer(message) ? message.toString('latin1') : message;
    const stuffed = text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(Buffer.from(stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`, 'latin1'));
    this.socket.write('.\r\n');
  }

  /** Raw bytes, as they are (a test that sends a message in pieces writes its own dot-stuffing and final dot). */
  write(text: string): void {
    this.socket.write(text);
  }

  /** EHLO, MAIL FROM, each RCPT TO: the replies of the RCPTs. */
  async envelope(from: string, to: string[], helo = 'mta.remote.example'): Promise<SmtpReply[]> {
    const ehlo = await this.command(`EHLO ${helo}`);
    if (ehlo.code !== 250) throw new Error(`EHLO refused: ${ehlo.text}`);
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) throw new Error(`MAIL FROM refused: ${mail.text}`);
    const out: SmtpReply[] = [];
    for (const rcpt of to) out.push(await this.command(`RCPT TO:<${rcpt}>`));
    return out;
  }

  async quit(): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.write('QUIT\r\n');
      this.socket.end();
    }
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
