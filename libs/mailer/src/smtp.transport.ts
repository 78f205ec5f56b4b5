import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import { DkimSigner, type DkimOptions } from './dkim-signer';
import {
  classifySmtpError,
  composeFields,
  type MailTransport,
  type OutgoingMail,
  type SendResult,
} from './mail-transport';
import { SmtpConnectionPool, type SmtpEnvelope } from './smtp-connection-pool';
import { installFastDataStream } from './smtp-data-stream';

export interface SmtpTransportOptions {
  url: string;
  poolSize: number;
  timeoutMs: number;
  dkim?: DkimOptions;
  /** Test sinks use a self-signed or expired certificate; never set in production. */
  ignoreTLS?: boolean;
}

/**
 * Every message, transactional or campaign, leaves as one prebuilt Buffer (composed by nodemailer's
 * MailComposer where needed, DKIM-signed here when `DKIM_*` is set) over a pool of reused SMTP connections
 * (SmtpConnectionPool), which is where throughput comes from.
 */
export class SmtpMailTransport implements MailTransport {
  private readonly pool: SmtpConnectionPool;
  private readonly signer?: DkimSigner;
  readonly description: string;

  constructor(opts: SmtpTransportOptions) {
    installFastDataStream();
    const u = new URL(opts.url);
    this.description = `SMTP ${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 25)}`;
    this.pool = new SmtpConnectionPool({
      connection: {
        host: u.hostname,
        port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 25,
        secure: u.protocol === 'smtps:',
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
        ignoreTLS: opts.ignoreTLS ?? u.searchParams.get('ignoreTLS') === 'true',
      },
      auth: u.username
        ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
        : undefined,
      // A connection that closes mid-message fails that send and is never retried on another connection:
      // the server may already have it, and only the caller's ledger can count (and bound) a second attempt.
      maxConnections: opts.poolSize,
    });
    if (opts.dkim) this.signer = new DkimSigner(opts.dkim);
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const { raw, envelope, messageId, bodyHash } =
        mail.kind === 'raw'
          ? { ...mail, envelope: normaliseEnvelope(mail.envelope), bodyHash: mail.dkimBodyHash }
          : await composeRaw(composeFields(mail));
      const buffer = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const info = await this.pool.send(
        envelope,
        this.signer ? await this.signer.sign(buffer, bodyHash) : buffer,
      );
      return { messageId, response: String(info.response ?? '') };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async verify(): Promise<void> {
    await this.pool.verify();
  }

  async close(): Promise<void> {
    this.pool.close();
    return Promise.resolve();
  }
}

/**
 * The envelope as nodemailer's Mailer would hand it to SMTP: addresses parsed and their domains in punycode
 * (an internationalised domain goes out as xn--…), recipients de-duplicated.
 */
function normaliseEnvelope(e: { from: string; to: string }): SmtpEnvelope {
  const env = new MimeNode().setEnvelope(e).getEnvelope();
  return { from: env.from || '', to: env.to };
}

/** A composed message as nodemailer would build it, to be signed and sent raw. */
async function composeRaw(fields: ReturnType<typeof composeFields>): Promise<{
  raw: Buffer;
  envelope: SmtpEnvelope;
  messageId: string;
  bodyHash: undefined;
}> {
  const node = new MailComposer(fields).compile();
  const raw = await node.build();
  const env = node.getEnvelope();
  return {
    raw,
    envelope: { from: env.from || '', to: env.to },
    messageId: node.messageId(),
    bodyHash: undefined,
  };
}
