import { createTransport } from 'nodemailer';
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
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Test sinks use a self-signed or expired certificate; never set in production. */
  ignoreTLS?: boolean;
}

/** nodemailer SMTP pool: connections are reused across messages, which is where throughput comes from. */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter;
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
      dkim: opts.dkim
        ? {
            ...opts.dkim,
            // List-Unsubscribe(-Post) must be covered by the signature for one-click to be trusted (RFC 8058 §4).
            headerFieldNames:
              'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post',
          }
        : undefined,
    });
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const info =
        mail.kind === 'raw'
          ? await this.transporter.sendMail({
              raw: mail.raw,
              envelope: mail.envelope,
              messageId: mail.messageId,
            })
          : await this.transporter.sendMail(composeFields(mail));
      const messageId = mail.messageId ?? info.messageId ?? '';
      return { messageId, response: String(info.response ?? '') };
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
