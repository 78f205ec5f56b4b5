import { AppConfig } from '@app/config';
import { MAIL_TRANSPORT, MailSendError, type MailTransport } from '@app/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PublicationService } from '../../publication/publication.service';
import { SendRateLimiter } from '../../send-rate/send-rate.limiter';
import { BounceService } from '../../subscriptions/bounce.service';
import { SubscriberRepository } from '../../subscriptions/subscriber.repository';
import { CampaignEditionRepository } from '../campaign-edition.repository';
import { CampaignMessageFactory } from '../campaign-message.factory';

/** What a SendWelcome job did (the worker's metrics count them by this). */
export type WelcomeOutcome = 'sent' | 'skipped' | 'bounced' | 'disabled';

/**
 * The welcome message of a reader who confirmed (the worker's SendWelcome job): the latest sent issue in
 * full under the editor's welcome line, or a short welcome before any issue was sent. Sent once per
 * subscriber: the job claims subscriber.welcome_sent_at first (a second job, or a retry after the send,
 * finds it taken), and gives the claim back only when the send failed for now. Built like a campaign message
 * (CampaignMessageFactory: List-Id, List-Unsubscribe with the https one-click URL and the reader's mailto,
 * List-Unsubscribe-Post), with a VERP envelope sender naming the subscriber, DKIM-signed by the transport,
 * and within the global send rate.
 */
@Injectable()
export class WelcomeMailer {
  private readonly logger = new Logger(WelcomeMailer.name);

  constructor(
    private readonly config: AppConfig,
    private readonly subscribers: SubscriberRepository,
    private readonly publication: PublicationService,
    private readonly editions: CampaignEditionRepository,
    private readonly messages: CampaignMessageFactory,
    private readonly bounces: BounceService,
    private readonly sendRate: SendRateLimiter,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {}

  async send(subscriberId: number): Promise<WelcomeOutcome> {
    if (!this.config.env.WELCOME_ISSUE) return 'disabled';
    if (!(await this.subscribers.claimWelcome(subscriberId))) return 'skipped';
    let claimed = true;
    try {
      const s = await this.subscribers.findById(subscriberId);
      if (!s?.email) return 'skipped'; // erased between the claim and here: the claim stays, nobody to mail
      const pub = await this.publication.current();
      const [line, latest] = await Promise.all([
        this.publication.welcomeLine(),
        this.editions.findLatestSent(pub.id),
      ]);
      const message = await this.messages.compileWelcome(
        { name: pub.name, slug: pub.slug },
        line,
        latest ?? null,
      );
      const host = new URL(this.config.env.PUBLIC_URL).hostname || 'localhost';
      const messageId = `<welcome.${subscriberId}.${randomUUID()}@${host}>`;
      const raw = message.build({
        email: s.email,
        subscriberId: s.id,
        subscriberUid: s.uid,
        messageId,
      });
      await this.sendRate.acquireOne();
      try {
        await this.transport.send({
          kind: 'raw',
          raw,
          envelope: { from: message.envelopeFrom(s.id), to: s.email },
          messageId,
        });
      } catch (err) {
        if (err instanceof MailSendError && err.kind === 'permanent') {
          this.logger.warn(`welcome for subscriber ${s.id} refused permanently: ${err.message}`);
          await this.bounces.bouncedAtSend([{ subscriberId: s.id, response: err.response ?? err.message }]);
          return 'bounced';
        }
        throw err;
      }
      claimed = false; // sent: the stamp stays
      this.logger.log(
        `welcome sent to subscriber ${s.id}${message.editionSlug ? ` with the ${message.editionSlug} issue` : ''}`,
      );
      return 'sent';
    } catch (err) {
      // Not sent (a transient SMTP failure, the database, rendering): release the claim so the retry can send.
      if (claimed) await this.subscribers.releaseWelcome(subscriberId);
      throw err;
    }
  }
}
