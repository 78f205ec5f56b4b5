import { AppConfig } from '@app/config';
import { Subscriber, SubscriberStatus } from '@app/database';
import { renderConfirmation } from '@app/email';
import { MAIL_TRANSPORT, MailSendError, type MailTransport } from '@app/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { recordEvent } from './subscriber-events';
import { SubscriberLinks } from './subscriber-links';
import { retryThroughOutage } from '../common/retry-through-outage';
import { SendRateLimiter } from '../send-rate/send-rate.limiter';

export type ConfirmationSendOutcome = 'sent' | 'skipped' | 'bounced';

/**
 * Sends the double opt-in email for one subscriber (the worker's SendConfirmation job). Reloads the
 * subscriber and sends only while it is still pending, and only once per request: a job retried after a
 * successful send finds the confirmation_sent event and stops.
 */
@Injectable()
export class ConfirmationMailer {
  private readonly logger = new Logger(ConfirmationMailer.name);
  private publicationName?: string;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    private readonly links: SubscriberLinks,
    private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly sendRate: SendRateLimiter,
  ) {}

  async send(subscriberId: number): Promise<ConfirmationSendOutcome> {
    const s = await this.subscribers.findOneBy({ id: subscriberId });
    if (!s || !s.email || s.erasedAt || s.status !== SubscriberStatus.Pending) return 'skipped';
    if (await this.alreadySent(s)) return 'skipped';

    const publicationName = await this.publication();
    const mail = await renderConfirmation({
      publicationName,
      confirmUrl: this.links.confirmUrl(s.uid),
      recipientEmail: s.email,
      sender: { name: publicationName, address: this.config.env.SENDER_IDENTITY },
    });
    // Confirmations (sign-ups, opt-in imports) count against the global send rate like campaign messages.
    await this.sendRate.acquireOne();
    try {
      await this.transport.send({
        kind: 'compose',
        from: this.config.env.MAIL_FROM,
        to: s.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        // Transactional: out-of-office robots must not answer it (RFC 3834).
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      if (err instanceof MailSendError && err.kind === 'permanent') {
        await this.markBounced(s.id, err.response ?? err.message);
        this.logger.warn(`confirmation for subscriber ${s.id} refused permanently: ${err.message}`);
        return 'bounced';
      }
      throw err; // transient: BullMQ retries with backoff
    }
    // The email is out: if this record were lost to a database outage, the job's retry would send it again.
    await retryThroughOutage(
      () => recordEvent(this.ds.manager, s.id, 'confirmation_sent', {}, { source: 'worker' }),
      30_000,
    );
    return 'sent';
  }

  private async alreadySent(s: Subscriber): Promise<boolean> {
    if (!s.confirmationSentAt) return false;
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM subscriber_event WHERE subscriber_id = $1 AND type = 'confirmation_sent' AND created_at >= $2 LIMIT 1`,
      [s.id, s.confirmationSentAt],
    );
    return rows.length > 0;
  }

  private async markBounced(subscriberId: number, response: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      const rows: { id: number }[] = await m.query(
        `SELECT id FROM subscriber WHERE id = $1 AND status = 'pending' FOR UPDATE`,
        [subscriberId],
      );
      if (!rows[0]) return;
      await m.query(`UPDATE subscriber SET status = 'bounced', updated_at = now() WHERE id = $1`, [
        subscriberId,
      ]);
      await recordEvent(
        m,
        subscriberId,
        'bounced',
        { from: SubscriberStatus.Pending, to: SubscriberStatus.Bounced },
        { source: 'smtp', detail: response },
      );
    });
  }

  private async publication(): Promise<string> {
    if (this.publicationName === undefined) {
      const rows: { name: string }[] = await this.ds.query(
        `SELECT name FROM publication ORDER BY id LIMIT 1`,
      );
      this.publicationName = rows[0]?.name ?? 'CRANK Call';
    }
    return this.publicationName;
  }
}
