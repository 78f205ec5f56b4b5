import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DkimSigner, type DkimOptions } from './dkim-signer';
import {
  classifySmtpError,
  composeFields,
  type MailTransport,
  type OutgoingMail,
  type SendResult,
} from './mail-transport';
import { installFastDataStream } from './smtp-data-stream';

export interface SmtpTransportOptions {
  url: string;
  poolSize: number;
  timeoutMs: number;
  dkim?: DkimOptions;
  /** Test sinks use a self-signed or expired certificate; never set in production. */
  ignoreTLS?: boolean;
}

/** nodemailer SMTP pool: connections are reused across messages, which is where throughput comes from. */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter;
  private readonly signer?: DkimSigner;
  readonly description: string;

  constructor(opts: SmtpTransportOptions) {
    installFastDataStream();
    const u = new URL(opts.url);
    this.description = `SMTP ${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 25)}`;
    this.transporter = createTransport({
      pool: true,
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 25,
      secure: u.protocol === 'smtps:',
      auth: u.username
        ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
        : undefined,
      maxConnections: opts.poolSize,
      maxMessages: Infinity,
      // A connection that closes mid-message must fail that send, not quietly resend it on another connection:
      // the server may already have it, and only the caller's ledger can count (and bound) a second attempt.
      maxRequeues: 0,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      ignoreTLS: opts.ignoreTLS ?? u.searchParams.get('ignoreTLS') === 'true',
    });
    // Every message is sent raw and signed here (see DkimSigner), never by nodemailer's DKIM option.
    if (opts.dkim) this.signer = new DkimSigner(opts.dkim);
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      if (mail.kind === 'compose' && !this.signer) {
        const info = await this.transporter.sendMail(composeFields(mail));
        return { messageId: mail.messageId ?? info.messageId ?? '', response: String(info.response ?? '') };
      }
      const { raw, envelope, messageId, bodyHash } =
        mail.kind === 'raw'
          ? { ...mail, bodyHash: mail.dkimBodyHash }
          : await composeRaw(composeFields(mail));
      const info = await this.transporter.sendMail({
        raw: this.signer ? await this.signer.sign(Buffer.from(raw), bodyHash) : raw,
        envelope,
        messageId,
      });
      return { messageId: messageId ?? info.messageId ?? '', response: String(info.response ?? '') };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async verify(): Promise<void> {
    await this.transporter.verify();
  }

  async close(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}

/** A composed message as nodemailer would build it, to be signed and sent raw. */
async function composeRaw(fields: ReturnType<typeof composeFields>): Promise<{
  raw: Buffer;
  envelope: { from: string; to: string[] };
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
