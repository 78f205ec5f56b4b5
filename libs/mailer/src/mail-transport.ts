/** A message either composed by the transport (transactional mail) or prebuilt (campaign mail). */
export type OutgoingMail =
  | {
      kind: 'compose';
      from: string;
      to: string;
      subject: string;
      html: string;
      text: string;
      headers?: Record<string, string>;
      messageId?: string;
      /**
       * SMTP envelope (MAIL FROM / RCPT TO) when it differs from From/To: a VERP bounce address as the
       * envelope sender, so a bounce names the message it is about. The From: header is not changed.
       */
      envelope?: { from: string; to: string };
    }
  | {
      kind: 'raw';
      /** A complete RFC 5322 message (CRLF line endings). */
      raw: Buffer | string;
      envelope: { from: string; to: string };
      messageId: string;
      /**
       * The DKIM body hash (bh=, relaxed) of `raw`, when its builder computed it more cheaply than the signer
       * could (MimeTemplate.renderWithBodyHash). Must be the hash of this very body.
       */
      dkimBodyHash?: string;
    };

/** The envelope sender a message goes out with: its own envelope's, else the From address. */
export function envelopeSender(mail: OutgoingMail): string | undefined {
  return mail.envelope?.from;
}

/** nodemailer's message fields for a message the transport composes (both transports compose the same way). */
export function composeFields(mail: Extract<OutgoingMail, { kind: 'compose' }>) {
  const { from, to, subject, html, text, headers, messageId, envelope } = mail;
  return { from, to, subject, html, text, headers, messageId, envelope };
}

export interface SendResult {
  messageId: string;
  /** The server's final reply, e.g. "250 2.0.0 Ok: queued as 1234". */
  response: string;
}

/**
 * Why a send failed, in the terms the sender acts on: `transient` (4xx, connection trouble, timeouts: retry later),
 * `permanent` (5xx for this recipient: bounce it).
 */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly responseCode?: number,
    readonly response?: string,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

export interface MailTransport {
  readonly description: string;
  send(mail: OutgoingMail): Promise<SendResult>;
  /** Can the transport reach its server now? (health checks) */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Maps a nodemailer error to transient/permanent. */
export function classifySmtpError(err: unknown): MailSendError {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = (e.response ?? e.message ?? String(err)).slice(0, 1000);
  if (code !== undefined && code >= 500 && code < 600) {
    return new MailSendError(response, 'permanent', code, response);
  }
  return new MailSendError(response, 'transient', code, response);
}
