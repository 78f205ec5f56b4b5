import SMTPConnection, {
  type SMTPConnectionOptions,
  type SMTPConnectionSendInfo,
} from 'nodemailer/lib/smtp-connection';

export interface SmtpPoolOptions {
  /** Passed to every SMTPConnection (host, port, secure, timeouts, TLS). */
  connection: SMTPConnectionOptions;
  auth?: { user: string; pass: string };
  maxConnections: number;
}

/** One message's SMTP envelope, already normalised (see SmtpMailTransport). */
export interface SmtpEnvelope {
  from: string;
  to: string[];
}

interface Slot {
  conn: SMTPConnection;
  /** The connection ended, failed or was closed: never hand it out again. */
  dead: boolean;
  /** Still counted in `live` (each slot leaves the count exactly once, whichever way it goes). */
  counted: boolean;
}

/**
 * A pool of nodemailer SMTPConnections that sends prebuilt messages (a Buffer each) as they are.
 *
 * nodemailer's own pooled transport (`createTransport({ pool: true })`) takes every message through its
 * Mailer: a MailMessage, a MailComposer node, plugin hooks and a MIME read stream, even for a `raw` message
 * that needs none of it. Measured here on a 38 kB message into Postfix's smtp-sink, 10 connections: 500–700
 * µs of CPU per message through the pooled transport, 300–460 µs through SMTPConnection.send with the same
 * Buffer. SMTPConnection still does the SMTP work (EHLO, STARTTLS, AUTH, PIPELINING of MAIL/RCPT/DATA, dot-
 * stuffing, timeouts); this class only keeps up to `maxConnections` of them open and lends them out.
 *
 * Failure rules, as in nodemailer's pool: a message the server refused (a 4xx/5xx reply to MAIL, RCPT or
 * DATA) leaves the connection usable after RSET; any other error (socket closed, timeout, TLS) closes it, and
 * the message is never re-sent here: whether the server kept it is for the caller's ledger to decide.
 */
export class SmtpConnectionPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve: (s: Slot) => void; reject: (e: Error) => void }> = [];
  /** Connections open or opening, lent out or idle. */
  private live = 0;
  private closed = false;

  constructor(private readonly opts: SmtpPoolOptions) {}

  async send(envelope: SmtpEnvelope, message: Buffer): Promise<SMTPConnectionSendInfo> {
    const slot = await this.acquire();
    try {
      const info = await new Promise<SMTPConnectionSendInfo>((resolve, reject) =>
        slot.conn.send(envelope, message, (err, sent) => (err ? reject(err) : resolve(sent))),
      );
      this.release(slot);
      return info;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const responseCode = (err as { responseCode?: number }).responseCode;
      if (!slot.dead && (code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== 421) {
        // Refused by the server, the session itself is fine: reset it and keep it.
        slot.conn.reset((resetErr) => (resetErr ? this.discard(slot) : this.release(slot)));
      } else {
        this.discard(slot);
      }
      throw err;
    }
  }

  /** Opens a connection (and logs in), then closes it: can the server be reached now? */
  async verify(): Promise<void> {
    const slot = await this.open();
    slot.dead = true;
    slot.counted = false; // opened outside the pool's count
    slot.conn.quit();
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('SMTP pool closed'));
    for (const slot of this.idle.splice(0)) {
      slot.dead = true;
      slot.conn.quit();
    }
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error('SMTP pool closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.pump();
    });
  }

  /**
   * Serves waiting sends in order: an idle connection if there is one, else a new one while fewer than
   * `maxConnections` are open. A connection that cannot be opened fails only the send it was opened for (the
   * next waiting send tries again), so an unreachable server fails every send rather than leaving any waiting.
   */
  private pump(): void {
    while (this.waiting.length > 0) {
      const slot = this.takeIdle();
      if (slot) {
        this.waiting.shift()!.resolve(slot);
        continue;
      }
      if (this.live >= this.opts.maxConnections) return;
      const waiter = this.waiting.shift()!;
      this.live++;
      this.open().then(waiter.resolve, (err: Error) => {
        this.live--;
        waiter.reject(err);
        this.pump();
      });
    }
  }

  private takeIdle(): Slot | undefined {
    for (let slot = this.idle.pop(); slot; slot = this.idle.pop()) {
      if (!slot.dead) return slot;
      this.uncount(slot);
    }
    return undefined;
  }

  private uncount(slot: Slot): void {
    if (!slot.counted) return;
    slot.counted = false;
    this.live--;
  }

  private release(slot: Slot): void {
    if (slot.dead || this.closed) {
      this.discard(slot);
      return;
    }
    this.idle.push(slot);
    this.pump();
  }

  /** Closes a connection for good and lets a waiting send open a new one in its place. */
  private discard(slot: Slot): void {
    if (!slot.dead) {
      slot.dead = true;
      slot.conn.close();
    }
    this.uncount(slot);
    this.pump();
  }

  private open(): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      const conn = new SMTPConnection(this.opts.connection);
      const slot: Slot = { conn, dead: false, counted: true };
      let settled = false;
      const fail = (err: Error) => {
        slot.dead = true;
        if (!settled) {
          settled = true;
          conn.close();
          reject(err);
        }
      };
      // An idle connection the server closes (or that times out) reports here; a send in progress gets the
      // same error through its callback. Either way the connection is not lent out again.
      conn.on('error', fail);
      conn.once('end', () => {
        fail(new Error('SMTP connection closed before it was ready'));
        this.forget(slot);
      });
      conn.connect((err) => {
        if (err) return fail(err);
        // As nodemailer's pool: credentials are used only where the server offers AUTH (a local relay that
        // does not is still reachable with a URL that carries them).
        if (!this.opts.auth || !conn.allowsAuth) {
          settled = true;
          return resolve(slot);
        }
        conn.login(this.opts.auth, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          resolve(slot);
        });
      });
    });
  }

  /** A connection that ended on its own while idle leaves the idle list (and the count). */
  private forget(slot: Slot): void {
    const i = this.idle.indexOf(slot);
    if (i === -1) return;
    this.idle.splice(i, 1);
    this.uncount(slot);
  }
}
