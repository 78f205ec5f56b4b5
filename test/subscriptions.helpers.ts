import type { AppConfig } from '@app/config';
import { TokenPurpose, TokenService } from '@app/core';
import { QueueName, redisOptions } from '@app/queue';
import type { ReceivedMail } from '@app/testing';
import { Queue } from 'bullmq';
import request from 'supertest';
import { type Harness, REDIS_URL } from './helpers/harness';

/** Helpers shared by the subscription e2e tests (owned by the subscriptions tests). */

export const PUBLIC = 'https://news.example.test';

/** Signs link tokens with the harness's SECRET_KEY, as the API and worker do. */
export function tokenSigner(h: Harness): TokenService {
  return new TokenService({ secretKey: h.secretKey } as AppConfig);
}

export async function uidOf(h: Harness, email: string): Promise<string> {
  const rows = await h.query<{ uid: string }>('SELECT uid FROM subscriber WHERE lower(email) = lower($1)', [
    email,
  ]);
  if (!rows[0]) throw new Error(`no subscriber ${email}`);
  return rows[0].uid;
}

/** A subscriber table row, as the pg driver returns it. */
export interface SubscriberRow {
  id: number;
  uid: string;
  email: string | null;
  name: string | null;
  status: string;
  [column: string]: unknown;
}

export async function subscriberRow(h: Harness, email: string): Promise<SubscriberRow | undefined> {
  const rows = await h.query<SubscriberRow>('SELECT * FROM subscriber WHERE lower(email) = lower($1)', [
    email,
  ]);
  return rows[0];
}

export async function tokenFor(
  h: Harness,
  email: string,
  purpose: TokenPurpose,
  issuedAt?: number,
): Promise<string> {
  return tokenSigner(h).sign(purpose, await uidOf(h, email), issuedAt);
}

/** The confirm link of a confirmation email, from the HTML part and from the text part. */
export function confirmLinks(mail: ReceivedMail): { html: string | undefined; text: string | undefined } {
  const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
  const text = mail.parsed.text ?? '';
  return {
    html: /href="(https:\/\/news\.example\.test\/confirm\?token=[^"]+)"/
      .exec(html)?.[1]
      ?.replace(/&amp;/g, '&'),
    text: /(https:\/\/news\.example\.test\/confirm\?token=[^\s>)]+)/.exec(text)?.[1],
  };
}

/** The RFC 8058 one-click unsubscribe a mailbox provider sends: a urlencoded POST, no cookies. */
export function oneClickUnsubscribe(h: Harness, token: string): request.Test {
  return request(h.baseUrl)
    .post(`/unsubscribe?token=${token}`)
    .type('form')
    .send('List-Unsubscribe=One-Click');
}

/** Path and query of an absolute PUBLIC_URL link, to request it from the API under test. */
export function localPath(link: string): string {
  const u = new URL(link);
  return u.pathname + u.search;
}

/**
 * Watches the mail queue of a harness. `idle()` resolves once nothing is waiting, delayed or running: every
 * job queued before the call has finished, so "no further email" can be asserted without sleeping.
 */
export class MailQueueWatch {
  private opened?: Queue;

  /** The harness may not be started yet (see helpers/scenarios.ts): the queue is opened at first use. */
  constructor(private readonly h: Harness) {}

  private get queue(): Queue {
    this.opened ??= new Queue(QueueName.Mail, { connection: redisOptions(REDIS_URL), prefix: this.h.prefix });
    return this.opened;
  }

  async idle(h: Harness): Promise<void> {
    await h.waitUntil(
      async () => {
        const c = await this.queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        return Object.values(c).every((n) => n === 0);
      },
      { what: 'the mail queue to be idle' },
    );
  }

  async failed(): Promise<number> {
    return (await this.queue.getJobCounts('failed')).failed ?? 0;
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}
