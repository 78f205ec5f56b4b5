import { Database, SubscriberStatus } from '@app/database';
import { renderConfirmation } from '@app/email';
import { MAIL_TRANSPORT, MailSendError, type MailTransport } from '@app/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { VerpAddresses } from '../feedback/verp';
import { SubscriberEventRepository } from './subscriber-event.repository';
import { SubscriberLinks } from './subscriber-links';
import { type SubscriberRecord, SubscriberRepository } from './subscriber.repository';
import { retryThroughOutage } from '../common/retry-through-outage';
import { PublicationService } from '../publication/publication.service';
import { SendRateLimiter } from '../send-rate/send-rate.limiter';
import { ConfirmationBudget } from './confirmation-budget';

export type ConfirmationSendOutcome = 'sent' | 'skipped' | 'bounced';

/**
 * Sends the double opt-in email for one subscriber (the worker's SendConfirmation job). Reloads the
 * subscriber and sends only while it is still pending, and only once per request: a job retried after a
 * successful send finds the confirmation_sent event and stops. Just before sending it counts the mail against
 * the confirmation budgets (ConfirmationBudget): above them it throws ConfirmationDelayedError and the job
 * waits for the hour the mail was booked into, then runs this again from the start (a reader who confirmed
 * or left meanwhile gets nothing).
 */
@Injectable()
export class ConfirmationMailer {
  private readonly logger = new Logger(ConfirmationMailer.name);

  constructor(
    private readonly db: Database,
    private readonly subscribers: SubscriberRepository,
    private readonly events: SubscriberEventRepository,
    private readonly publication: PublicationService,
    private readonly links: SubscriberLinks,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly sendRate: SendRateLimiter,
    private readonly verp: VerpAddresses,
    private readonly budget: ConfirmationBudget,
  ) {}

  async send(subscriberId: number): Promise<ConfirmationSendOutcome> {
    const s = await this.subscribers.findById(subscriberId);
    if (
      !s ||
      !s.email ||
      s.erasedAt ||
      s.status !== SubscriberStatus.Pending ||
      (await this.alreadySent(s))
    ) {
      // Nothing to send: a confirmation this subscriber waited for leaves the backlog (its hour is freed).
      await this.budget.forget(subscriberId);
      return 'skipped';
    }
    await this.budget.take(s.id, s.email);

    const publication = await this.publication.current();
    const mail = await renderConfirmation({
      publicationName: publication.name,
      confirmUrl: this.links.confirmUrl(s.uid),
      recipientEmail: s.email,
      sender: publication.sender,
    });
    // Confirmations (sign-ups, opt-in imports) count against the global send rate like campaign messages.
    await this.sendRate.acquireOne();
    try {
      await this.transport.send({
        kind: 'compose',
        from: publication.mailFrom,
        to: s.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        // Transactional: out-of-office robots must not answer it (RFC 3834).
        headers: { 'Auto-Submitted': 'auto-generated' },
        // VERP: a bounce of this confirmation comes back to an address that names the subscriber.
        envelope: { from: this.verp.forConfirmation(s.id), to: s.email },
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
      () => this.events.record(s.id, 'confirmation_sent', {}, { source: 'worker' }),
      30_000,
    );
    return 'sent';
  }

  private async alreadySent(s: SubscriberRecord): Promise<boolean> {
    return s.confirmationSentAt !== null && this.events.confirmationSentSince(s.id, s.confirmationSentAt);
  }

  private async markBounced(subscriberId: number, response: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.subscribers.lockPending(subscriberId, tx))) return;
      await this.subscribers.markBounced(subscriberId, tx);
      await this.events.record(
        subscriberId,
        'bounced',
        { from: SubscriberStatus.Pending, to: SubscriberStatus.Bounced },
        { source: 'smtp', detail: response },
        tx,
      );
    });
  }
}
