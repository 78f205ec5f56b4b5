import { AppConfig } from '@app/config';
import { INBOUND_MAX_LENGTH, InboundIntake, VerpAddresses } from '@app/core';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import { ClientConnections } from './client-connections';

/** Recipients one envelope may name; RFC 5321 asks servers to take at least 100. Beyond: 452 4.5.3. */
export const MAX_RECIPIENTS = 100;
/** Longest command line (RFC 5321 allows 512 plus extension parameters); longer ones are refused. */
const MAX_COMMAND_LENGTH = 2048;
/**
 * Connections across all clients (beyond: 421). Each holds at most one message in memory, so this bounds the
 * memory a crowd of slow senders can take: 200 × INBOUND_MAX_MESSAGE_BYTES (400 MB at the 2 MB default).
 * Bounces and complaints come in at a fraction of the send rate; 200 sessions are far more than they need.
 */
const MAX_CLIENTS = 200;
/** After SIGTERM, how long clients may take to finish the message they are sending before they are cut off. */
const CLOSE_TIMEOUT_MS = 15_000;
/** How often the server logs that it is alive, with what it did since (the operators' liveness signal); once more at shutdown. */
export const ACTIVITY_LOG_MS = 5 * 60_000;

/** An error smtp-server sends as a reply: the code, and a text it prefixes with the RFC 3463 code. */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A value from the client, cut to the column's size (stored, never refused for its length). */
function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * The inbound SMTP server (smtp-server): mail for the service's own addresses only, stored before 250.
 *
 * - RCPT: only addresses VerpAddresses recognises (a valid signed bounces+/unsubscribe+ token, or
 *   postmaster/abuse/feedback at BOUNCE_DOMAIN); everything else 550 5.1.1. Never a relay.
 * - DATA: the bytes are collected (at most INBOUND_MAX_MESSAGE_BYTES; above it 552 5.3.4 and nothing stored),
 *   handed to InboundIntake.accept, and 250 is answered only once PostgreSQL has committed them; if storing
 *   fails, 451 4.3.0 and the sender retries later.
 * - Limits: recipients per envelope, connections per client address (421), idle clients (socket timeout),
 *   command length; no AUTH; STARTTLS only with the operator's certificate (smtp-server's own has expired).
 */
@Injectable()
export class InboundSmtpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(InboundSmtpServer.name);
  private readonly server: SMTPServer;
  private readonly clients: ClientConnections;
  private readonly maxBytes: number;
  /** Messages being stored: shutdown waits for them, so no commit is cut off by the pool closing. */
  private readonly storing = new Set<Promise<unknown>>();
  /** Since the last activity log line. */
  private activity = { stored: 0, deferred: 0, tooBig: 0, refusedRecipients: 0, refusedConnections: 0 };
  private activityTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly verp: VerpAddresses,
    private readonly intake: InboundIntake,
  ) {
    const env = config.env;
    this.maxBytes = env.INBOUND_MAX_MESSAGE_BYTES;
    this.clients = new ClientConnections(env.INBOUND_MAX_CONNECTIONS_PER_CLIENT);
    this.server = new SMTPServer(this.options());
    // An 'error' event without a listener would crash the process (a client resetting its socket is enough).
    this.server.on('error', (err: Error) => this.log.warn(`SMTP: ${err.message}`));
  }

  private options(): SMTPServerOptions {
    const env = this.config.env;
    const tls = env.INBOUND_TLS_CERT && env.INBOUND_TLS_KEY;
    return {
      name: hostname(),
      banner: `newsletter inbound mail for ${this.verp.domain}: bounces, complaints and unsubscribes only`,
      size: this.maxBytes,
      // 552 5.3.4 for a message over the limit even when the client did not announce its SIZE.
      rejectOversized: true,
      maxRecipients: MAX_RECIPIENTS,
      maxCommandLength: MAX_COMMAND_LENGTH,
      maxClients: MAX_CLIENTS,
      // RFC 3463 codes on every reply (550 5.1.1, 452 4.5.3, 552 5.3.4, 451 4.3.0): senders act on them.
      hideENHANCEDSTATUSCODES: false,
      authOptional: true,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      hideSTARTTLS: !tls,
      ...(tls ? { key: readFileSync(env.INBOUND_TLS_KEY!), cert: readFileSync(env.INBOUND_TLS_CERT!) } : {}),
      // Reverse DNS would add a lookup per connection and tells us nothing we act on.
      disableReverseLookup: true,
      socketTimeout: env.INBOUND_SOCKET_TIMEOUT_MS,
      closeTimeout: CLOSE_TIMEOUT_MS,
      logger: false,
      onConnect: (session, cb) => this.guard(cb, () => this.onConnect(session)),
      onClose: (session) => this.clients.release(session.id),
      onMailFrom: (_address, _session, cb) => cb(),
      onRcptTo: (address, _session, cb) => this.guard(cb, () => this.onRcptTo(address)),
      onData: (stream, session, cb) => this.onData(stream, session, cb),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { INBOUND_HOST: host, INBOUND_SMTP_PORT: port } = this.config.env;
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    this.log.log(
      `inbound ${process.pid} listening on ${host}:${port} for ${this.verp.domain} ` +
        `(max ${this.maxBytes} bytes, STARTTLS ${this.config.env.INBOUND_TLS_CERT ? 'on' : 'off'})`,
    );
    this.activityTimer = setInterval(() => this.logActivity(), ACTIVITY_LOG_MS);
    this.activityTimer.unref();
  }

  private logActivity(): void {
    const a = this.activity;
    this.activity = { stored: 0, deferred: 0, tooBig: 0, refusedRecipients: 0, refusedConnections: 0 };
    this.log.log(
      `inbound ${process.pid} alive, ${this.clients.size} connection(s) open; since the last report ` +
        `${a.stored} message(s) stored, ${a.deferred} answered 451, ` +
        `${a.tooBig} too big, ${a.refusedRecipients} recipient(s) and ${a.refusedConnections} connection(s) refused`,
    );
  }

  /** Stops accepting, lets clients finish the message they are sending (up to CLOSE_TIMEOUT_MS), waits for the commits. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.activityTimer);
    this.log.log('inbound: closing the SMTP server');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.storing]);
    this.logActivity();
  }

  /** Runs a callback-style handler so that nothing it throws escapes into smtp-server (no crash, a 451). */
  private guard(cb: (err?: Error | null) => void, fn: () => Error | null): void {
    let result: Error | null;
    try {
      result = fn();
    } catch (err) {
      this.log.error(`SMTP handler failed: ${String(err)}`);
      result = reply(451, 'Local error, please try again later');
    }
    cb(result);
  }

  private onConnect(session: SMTPServerSession): Error | null {
    if (this.clients.acquire(session.id, session.remoteAddress)) return null;
    this.activity.refusedConnections++;
    this.log.warn(`inbound: refused a connection from ${session.remoteAddress}: too many at once`);
    // smtp-server sends a refusal in onConnect without an enhanced code, so the text carries it; then closes.
    return reply(421, '4.7.0 Too many connections from your address, try again later');
  }

  private onRcptTo(address: SMTPServerAddress): Error | null {
    const recipient = this.verp.parseRecipient(address.address);
    if (recipient) return null;
    this.activity.refusedRecipients++;
    return reply(550, `No such mailbox here; this server takes mail for its own addresses only`);
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    cb: (err?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let answered = false;
    const answer = (err: Error | null, message?: string) => {
      if (answered) return;
      answered = true;
      cb(err, message);
    };
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // Past the limit keep draining (the client must reach the final dot to read our 552), but keep nothing.
      if (bytes <= this.maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    stream.once('error', (err: Error) => {
      this.log.warn(`inbound: message stream failed: ${err.message}`);
      answer(reply(451, 'Local error reading the message, please try again later'));
    });
    stream.once('end', () => {
      if (stream.sizeExceeded || bytes > this.maxBytes) {
        this.activity.tooBig++;
        answer(reply(552, `Message too big: at most ${this.maxBytes} bytes`));
        return;
      }
      const stored = this.store(session, Buffer.concat(chunks, bytes)).then(
        (id) => {
          this.activity.stored++;
          answer(null, `Message ${id} accepted`);
        },
        (err: unknown) => {
          this.activity.deferred++;
          this.log.error(`inbound: could not store a message from ${session.remoteAddress}: ${String(err)}`);
          answer(reply(451, 'Temporary local problem storing the message, please try again later'));
        },
      );
      this.storing.add(stored);
      void stored.finally(() => this.storing.delete(stored));
    });
  }

  private store(session: SMTPServerSession, raw: Buffer): Promise<number> {
    const from = session.envelope.mailFrom;
    const helo = typeof session.hostNameAppearsAs === 'string' ? session.hostNameAppearsAs : null;
    return this.intake.accept({
      // From the socket: an IP address (at most 45 characters), not the client's words.
      remoteAddress: session.remoteAddress,
      helo: helo === null ? null : clip(helo, INBOUND_MAX_LENGTH.helo),
      mailFrom: clip(from ? from.address : '', INBOUND_MAX_LENGTH.mailFrom),
      rcptTo: session.envelope.rcptTo.map((r) => clip(r.address, INBOUND_MAX_LENGTH.rcptTo)),
      raw,
    });
  }
}
