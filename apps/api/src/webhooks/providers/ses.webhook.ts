import { AppConfig } from '@app/config';
import { type FeedbackEvent, VerpAddresses } from '@app/core';
import { FeedbackKind, FeedbackSource } from '@app/database';
import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  Injectable,
  Logger,
  Post,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { verify } from 'node:crypto';
import { z } from 'zod';
import {
  clipText,
  eventTime,
  headerValue,
  notConfigured,
  ProviderEventSink,
  ProviderWebhookResultDto,
  referencesOf,
  DELIVERY_HEADER_NAME,
} from './provider-events';
import { SnsCertificateUnavailable, SnsCertificates } from './sns-certificates';

const str = (max: number) => z.string().max(max);

/** The SNS envelope (HTTP/HTTPS delivery; not raw message delivery). */
const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: str(100).min(1),
  TopicArn: str(256).min(1),
  Message: str(256 * 1024),
  Timestamp: str(40).min(1),
  SignatureVersion: z.enum(['1', '2']),
  Signature: str(1024).min(1),
  SigningCertURL: str(2048).min(1),
  Subject: str(256).optional(),
  SubscribeURL: str(2048).optional(),
  Token: str(2048).optional(),
});
export type SnsMessage = z.infer<typeof snsMessageSchema>;

/**
 * The string SNS signs (AWS: "Verifying the signatures of Amazon SNS messages"): "Name\nvalue\n" for each
 * field in this order; Subject only when present. Notification: Message, MessageId, Subject, Timestamp,
 * TopicArn, Type. (Un)SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn,
 * Type.
 */
export function snsStringToSign(m: SnsMessage): string {
  const fields: [string, string | undefined][] =
    m.Type === 'Notification'
      ? [
          ['Message', m.Message],
          ['MessageId', m.MessageId],
          ['Subject', m.Subject],
          ['Timestamp', m.Timestamp],
          ['TopicArn', m.TopicArn],
          ['Type', m.Type],
        ]
      : [
          ['Message', m.Message],
          ['MessageId', m.MessageId],
          ['SubscribeURL', m.SubscribeURL],
          ['Timestamp', m.Timestamp],
          ['Token', m.Token],
          ['TopicArn', m.TopicArn],
          ['Type', m.Type],
        ];
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join('');
}

const recipientSchema = z.object({
  emailAddress: str(320),
  status: str(32).optional(),
  diagnosticCode: str(4000).optional(),
});
const headerListSchema = z.array(z.object({ name: str(200), value: str(2000) })).max(200);

/** An SES notification (feedback notifications use notificationType; event publishing uses eventType). */
const sesNotificationSchema = z.object({
  notificationType: str(40).optional(),
  eventType: str(40).optional(),
  bounce: z
    .object({
      bounceType: str(40),
      bounceSubType: str(60).optional(),
      bouncedRecipients: z.array(recipientSchema).max(1000),
      timestamp: str(40).optional(),
    })
    .optional(),
  complaint: z
    .object({
      complainedRecipients: z.array(z.object({ emailAddress: str(320) })).max(1000),
      complaintFeedbackType: str(60).optional(),
      timestamp: str(40).optional(),
    })
    .optional(),
  mail: z
    .object({
      source: str(400).optional(),
      headers: headerListSchema.optional(),
      commonHeaders: z.object({ messageId: str(400).optional() }).optional(),
    })
    .optional(),
});

/**
 * SES bounces and complaints as FeedbackEvents, one per recipient. Permanent → hard bounce; Transient and
 * Undetermined → soft; a complaint of type not-spam is no complaint. Deliveries and other types: none.
 */
export function sesEvents(
  snsMessageId: string,
  message: string,
  verp: VerpAddresses,
): { events: FeedbackEvent[]; received: number } {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new BadRequestException('The SNS Message is not an SES notification (not JSON)');
  }
  const parsed = sesNotificationSchema.safeParse(json);
  if (!parsed.success) throw new BadRequestException('The SNS Message is not an SES notification');
  const n = parsed.data;
  const type = n.notificationType ?? n.eventType;
  const mail = n.mail;
  // Our own VERP address, when SES kept our envelope sender (a custom MAIL FROM on BOUNCE_DOMAIN).
  const source = mail?.source ? verp.parseRecipient(mail.source) : null;
  const verpDelivery =
    source?.kind === 'bounce' && source.subject.kind === 'delivery' ? source.subject.deliveryId : undefined;
  const refsFor = (email: string) => {
    const refs = referencesOf({
      deliveryIds: [verpDelivery, headerValue(mail?.headers, DELIVERY_HEADER_NAME)],
      messageIds: [mail?.commonHeaders?.messageId],
      email,
    });
    if (source?.kind === 'bounce' && source.subject.kind === 'confirmation') {
      refs.unshift({ by: 'confirmation', subscriberId: source.subject.subscriberId });
    }
    return refs;
  };
  const events: FeedbackEvent[] = [];
  if (type === 'Bounce' && n.bounce) {
    const kind = n.bounce.bounceType === 'Permanent' ? FeedbackKind.HardBounce : FeedbackKind.SoftBounce;
    for (const r of n.bounce.bouncedRecipients) {
      events.push({
        source: FeedbackSource.Ses,
        dedupeKey: `${snsMessageId}:${r.emailAddress.toLowerCase()}`,
        kind,
        refs: refsFor(r.emailAddress),
        statusCode: clipText(r.status, 16),
        diagnostic: clipText(
          r.diagnosticCode ?? `${n.bounce.bounceType}/${n.bounce.bounceSubType ?? ''}`,
          1000,
        ),
        occurredAt: eventTime(n.bounce.timestamp),
      });
    }
    return { events, received: n.bounce.bouncedRecipients.length };
  }
  if (type === 'Complaint' && n.complaint) {
    const recipients = n.complaint.complainedRecipients;
    if (n.complaint.complaintFeedbackType === 'not-spam') return { events, received: recipients.length };
    for (const r of recipients) {
      events.push({
        source: FeedbackSource.Ses,
        dedupeKey: `${snsMessageId}:${r.emailAddress.toLowerCase()}`,
        kind: FeedbackKind.Complaint,
        refs: refsFor(r.emailAddress),
        diagnostic: clipText(n.complaint.complaintFeedbackType ?? 'complaint', 1000),
        occurredAt: eventTime(n.complaint.timestamp),
      });
    }
    return { events, received: recipients.length };
  }
  return { events, received: 1 };
}

/** Verifies SNS messages: topic allow-list, then the signature against the certificate of an SNS host. */
@Injectable()
export class SnsVerifier {
  constructor(
    private readonly config: AppConfig,
    private readonly certificates: SnsCertificates,
  ) {}

  get topics(): string[] | undefined {
    const t = this.config.env.SNS_TOPIC_ARNS;
    return t && t.length > 0 ? t : undefined;
  }

  async verify(body: unknown): Promise<SnsMessage> {
    const topics = this.topics;
    if (!topics) throw notConfigured('Amazon SES (SNS)', 'SNS_TOPIC_ARNS');
    let json: unknown = body;
    if (typeof body === 'string') {
      try {
        json = JSON.parse(body);
      } catch {
        throw new BadRequestException('The body is not JSON');
      }
    }
    const parsed = snsMessageSchema.safeParse(json);
    if (!parsed.success) throw new BadRequestException('The body is not an SNS message');
    const m = parsed.data;
    if (!topics.includes(m.TopicArn)) throw new ForbiddenException('This SNS topic is not in SNS_TOPIC_ARNS');
    let key;
    try {
      key = await this.certificates.publicKey(m.SigningCertURL);
    } catch (err) {
      if (err instanceof SnsCertificateUnavailable) throw new ServiceUnavailableException(err.message);
      throw new UnauthorizedException(`SNS signature cannot be checked: ${(err as Error).message}`);
    }
    const algorithm = m.SignatureVersion === '1' ? 'sha1' : 'sha256';
    const ok = verify(
      algorithm,
      Buffer.from(snsStringToSign(m), 'utf8'),
      key,
      Buffer.from(m.Signature, 'base64'),
    );
    if (!ok) throw new UnauthorizedException('The SNS signature does not match');
    return m;
  }
}

/**
 * Amazon SES feedback through an SNS topic (HTTP/HTTPS subscription). SNS posts JSON as text/plain; the text
 * body parser hands it over as a string.
 */
@ApiTags('webhooks')
@Controller('api/webhooks')
export class SesWebhookController {
  private readonly logger = new Logger(SesWebhookController.name);

  constructor(
    private readonly verifier: SnsVerifier,
    private readonly certificates: SnsCertificates,
    private readonly sink: ProviderEventSink,
    private readonly verp: VerpAddresses,
  ) {}

  @Post('ses')
  @HttpCode(200)
  @ApiConsumes('text/plain', 'application/json')
  @ApiBody({ description: 'An SNS message (Notification or SubscriptionConfirmation)' })
  @ApiOperation({
    summary: 'Amazon SES bounces and complaints via SNS',
    description:
      'Verified by the SNS signature (SignatureVersion 1 or 2) against the certificate at SigningCertURL, ' +
      'fetched only from https://sns.<region>.amazonaws.com; the topic must be in SNS_TOPIC_ARNS. A ' +
      'SubscriptionConfirmation is confirmed by visiting its SubscribeURL.',
  })
  @ApiResponse({ status: 200, type: ProviderWebhookResultDto })
  @ApiResponse({ status: 400, description: 'Not JSON, or not an SNS message' })
  @ApiResponse({ status: 401, description: 'Bad signature or certificate URL' })
  @ApiResponse({ status: 403, description: 'Topic not in SNS_TOPIC_ARNS' })
  @ApiResponse({
    status: 503,
    description: 'SNS_TOPIC_ARNS is not set, or the signing certificate cannot be downloaded now',
  })
  async receive(@Body() body: unknown): Promise<ProviderWebhookResultDto> {
    const m = await this.verifier.verify(body);
    if (m.Type === 'SubscriptionConfirmation') {
      try {
        await this.certificates.confirm(m.SubscribeURL);
      } catch (err) {
        this.logger.warn(`SNS subscription to ${m.TopicArn} not confirmed: ${(err as Error).message}`);
        throw new BadRequestException(`The subscription could not be confirmed: ${(err as Error).message}`);
      }
      this.logger.log(`SNS subscription to ${m.TopicArn} confirmed`);
      return { received: 0, applied: 0, duplicates: 0, ignored: 0, unmatched: 0 };
    }
    if (m.Type === 'UnsubscribeConfirmation') {
      this.logger.warn(`SNS topic ${m.TopicArn} unsubscribed this endpoint`);
      return { received: 0, applied: 0, duplicates: 0, ignored: 0, unmatched: 0 };
    }
    const { events, received } = sesEvents(m.MessageId, m.Message, this.verp);
    return this.sink.apply(events, received);
  }
}
