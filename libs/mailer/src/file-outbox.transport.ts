import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import {
  composeFields,
  envelopeSender,
  MailSendError,
  type MailTransport,
  type OutgoingMail,
  type SendResult,
} from './mail-transport';

/**
 * Development transport: every message becomes an .eml file in the outbox directory. A write failure is
 * an error (transient), never a silent drop.
 */
export class FileOutboxTransport implements MailTransport {
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `file outbox ${dir}`;
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    let raw: Buffer;
    let messageId: string;
    if (mail.kind === 'raw') {
      raw = Buffer.isBuffer(mail.raw) ? mail.raw : Buffer.from(mail.raw);
      messageId = mail.messageId;
    } else {
      const info = await this.composer.sendMail(composeFields(mail));
      raw = info.message as Buffer;
      messageId = String(info.messageId);
    }
    // A delivering server records the envelope sender as Return-Path (RFC 5321 §4.4); the outbox does the
    // same, so a developer sees the VERP address a bounce would go to.
    const sender = envelopeSender(mail);
    if (sender !== undefined && /^[\x21-\x7e]{0,320}$/.test(sender) && !/[<>]/.test(sender)) {
      raw = Buffer.concat([Buffer.from(`Return-Path: <${sender}>\r\n`, 'ascii'), raw]);
    }
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
    try {
      await mkdir(this.dir, { recursive: true });
      // write then rename: a reader of the outbox never sees half a message
      const tmp = join(this.dir, `.${name}.tmp`);
      await writeFile(tmp, raw);
      await rename(tmp, join(this.dir, name));
    } catch (err) {
      throw new MailSendError(`outbox write failed: ${(err as Error).message}`, 'transient');
    }
    return { messageId, response: `250 written to ${name}` };
  }

  async verify(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }
}
