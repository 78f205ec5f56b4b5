import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: number;
}

/** Decides the fate of one recipient: undefined accepts; an error with responseCode rejects it. */
export type RecipientPolicy = (
  rcpt: string,
  session: SMTPServerSession,
) => { code: number; message: string } | undefined;

/**
 * A real SMTP server, in process, that records every message it accepts. Tests can make it answer 4xx/5xx
 * per recipient, go silent (never answer), or stop and start again.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private server?: SMTPServer;
  private waiters: { count: number; resolve: () => void }[] = [];
  port = 0;
  policy?: RecipientPolicy;
  /**
   * When true, the server stops answering: new connections get no greeting, and sessions already open (a
   * client's pooled connections) get no reply to MAIL FROM. The client must time out.
   */
  silent = false;
  /** SMTP connections clients have opened since the sink was created. */
  connections = 0;
  /**
   * When true, each message is read but not answered: the client waits for the reply to its data, with
   * the message in flight, until `release()` answers it.
   */
  hold = false;
  private held: ((verdict?: { code: number; message: string }) => void)[] = [];

  async start(port = 0): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onConnect: (_session, cb) => {
        this.connections++;
        if (this.silent) return; // never call back: the client sees no greeting
        cb();
      },
      onMailFrom: (_address, _session, cb) => {
        if (this.silent) return; // never call back: the client waits for a reply that does not come
        cb();
      },
      onRcptTo: (address, session, cb) => {
        const verdict = this.policy?.(address.address, session);
        if (verdict) {
          const err = new Error(verdict.message) as Error & { responseCode: number };
          err.responseCode = verdict.code;
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const accept = (raw: Buffer) => {
          simpleParser(raw)
            .then((parsed) => {
              this.messages.push({
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                receivedAt: Date.now(),
              });
              this.notify();
              cb(null, `Ok: queued as ${this.messages.length}`);
            })
            .catch((e: Error) => cb(e));
        };
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (!this.hold) return accept(raw);
          this.held.push((verdict) => {
            if (!verdict) return accept(raw);
            const err = new Error(verdict.message) as Error & { responseCode: number };
            err.responseCode = verdict.code;
            cb(err);
          });
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.server.on('error', () => undefined);
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    const a = address.toLowerCase();
    return this.messages.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === a));
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** Messages read and not yet answered while `hold` is on. */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Answers every held message: accepted (and recorded) without a verdict, refused with it. `hold` stays as
   * it is, so messages arriving later are held in turn. Returns how many were answered.
   */
  release(verdict?: { code: number; message: string }): number {
    const held = this.held;
    this.held = [];
    for (const answer of held) answer(verdict);
    return held.length;
  }

  /** Resolves once at least `count` messages have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 30000): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${count} messages (have ${this.messages.length})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => this.messages.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.messages.length < w.count);
    for (const w of ready) w.resolve();
  }
}
