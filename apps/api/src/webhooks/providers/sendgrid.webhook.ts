import { AppConfig } from '@app/config';
import type { FeedbackEvent } from '@app/core';
import { FeedbackKind, FeedbackSource } from '@app/database';
import {
  BadRequestException,
  Controller,
  Headers,
  HttpCode,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import {
  clipText,
  DELIVERY_ARG_NAME,
  eventTime,
  notConfigured,
  ProviderEventSink,
  ProviderWebhookResultDto,
  referencesOf,
} from './provider-events';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
/** How far the signed timestamp may be from now (either way). */
export const SENDGRID_MAX_SKEW_SECONDS = 300;
/** SendGrid batches up to about a thousand events per POST. */
const MAX_EVENTS = 5000;

const str = (max: number) => z.string().max(max);
const sendgridEventSchema = z
  .object({
    event: str(40),
    email: str(320).optional(),
    timestamp: z.number().optional(),
    sg_event_id: str(200).optional(),
    sg_message_id: str(300).optional(),
    'smtp-id': str(400).optional(),
    type: str(40).optional(),
    reason: str(2000).optional(),
    status: str(20).optional(),
    [DELIVERY_ARG_NAME]: z.union([str(20), z.number()]).optional(),
  })
  .passthrough();
const sendgridBodySchema = z.array(sendgridEventSchema).max(MAX_EVENTS);
type SendgridEvent = z.infer<typeof sendgridEventSchema>;

/** A SendGrid event as a FeedbackEvent, or none (processed, delivered, deferred, open, click, ...). */
export function sendgridEvent(e: SendgridEvent): FeedbackEvent | undefined {
  let kind: FeedbackKind | undefined;
  if (e.event === 'bounce') kind = e.type === 'blocked' ? FeedbackKind.SoftBounce : FeedbackKind.HardBounce;
  else if (e.event === 'dropped') {
    // Dropped: SendGrid did not send because the address is on one of its own lists; only the lists that
    // mean a dead address or a complaint say something about the reader.
    const reason = (e.reason ?? '').toLowerCase();
    if (reason.includes('bounced address') || reason.includes('invalid')) kind = FeedbackKind.HardBounce;
    else if (reason.includes('spam reporting')) kind = FeedbackKind.Complaint;
  } else if (e.event === 'spamreport') kind = FeedbackKind.Complaint;
  else if (e.event === 'unsubscribe' || e.event === 'group_unsubscribe') kind = FeedbackKind.Unsubscribe;
  if (!kind) return undefined;
  const id = e.sg_event_id ?? `${e.sg_message_id ?? ''}:${e.event}:${(e.email ?? '').toLowerCase()}`;
  return {
    source: FeedbackSource.Sendgrid,
    dedupeKey: id.slice(0, 200),
    kind,
    refs: referencesOf({
      // Custom arguments come back as top-level fields of the event.
      deliveryIds: [e[DELIVERY_ARG_NAME]],
      messageIds: [e['smtp-id']],
      email: e.email,
    }),
    statusCode: clipText(e.status, 16),
    diagnostic: clipText(e.reason ?? e.type, 1000),
    occurredAt: eventTime(e.timestamp),
  };
}

/** The verification key from SENDGRID_WEBHOOK_PUBLIC_KEY: base64 DER (SubjectPublicKeyInfo) or PEM. */
export function sendgridPublicKey(value: string): KeyObject {
  const text = value.replace(/\\n/g, '\n').trim();
  if (text.startsWith('-----BEGIN')) return createPublicKey(text);
  return createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
}

/** SendGrid's signed event webhook (a JSON array of events per POST). */
@ApiTags('webhooks')
@Controller('api/webhooks')
export class SendgridWebhookController {
  private key?: KeyObject;

  constructor(
    private readonly config: AppConfig,
    private readonly sink: ProviderEventSink,
  ) {}

  @Post('sendgrid')
  @HttpCode(200)
  @ApiHeader({ name: 'X-Twilio-Email-Event-Webhook-Signature', required: true })
  @ApiHeader({ name: 'X-Twilio-Email-Event-Webhook-Timestamp', required: true })
  @ApiBody({ description: 'A JSON array of SendGrid events' })
  @ApiOperation({
    summary: 'SendGrid bounces, complaints and unsubscribes (signed event webhook)',
    description:
      'ECDSA P-256/SHA-256 signature over timestamp + raw body, checked with SENDGRID_WEBHOOK_PUBLIC_KEY; ' +
      'timestamp within 5 minutes. bounce (blocked: soft), dropped (bounced/invalid address), spamreport, ' +
      'unsubscribe and group_unsubscribe; other events change nothing.',
  })
  @ApiResponse({ status: 200, type: ProviderWebhookResultDto })
  @ApiResponse({ status: 400, description: 'Not JSON, or not an array of SendGrid events' })
  @ApiResponse({ status: 401, description: 'Missing or bad signature, or stale timestamp' })
  @ApiResponse({ status: 503, description: 'SENDGRID_WEBHOOK_PUBLIC_KEY is not set' })
  async receive(
    @Req() req: Request & { rawBody?: Buffer },
    @Headers(SENDGRID_SIGNATURE_HEADER) signature: string | undefined,
    @Headers(SENDGRID_TIMESTAMP_HEADER) timestamp: string | undefined,
  ): Promise<ProviderWebhookResultDto> {
    const key = this.publicKey();
    const raw = req.rawBody;
    if (!raw) throw new BadRequestException('Send the events as an application/json body');
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || signature.length > 300) {
      throw new UnauthorizedException('The SendGrid signature headers are required');
    }
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
    let ok: boolean;
    try {
      ok = verify(
        'sha256',
        Buffer.concat([Buffer.from(timestamp, 'utf8'), raw]),
        key,
        Buffer.from(signature, 'base64'),
      );
    } catch {
      ok = false; // a signature that is not DER at all
    }
    if (!ok) throw new UnauthorizedException('The SendGrid signature does not match');
    if (!(Math.abs(Date.now() / 1000 - seconds) <= SENDGRID_MAX_SKEW_SECONDS)) {
      throw new UnauthorizedException('The SendGrid signature timestamp is not within 5 minutes of now');
    }
    const parsed = sendgridBodySchema.safeParse(req.body);
    if (!parsed.success) throw new BadRequestException('The body is not an array of SendGrid events');
    const events = parsed.data.map(sendgridEvent).filter((e): e is FeedbackEvent => e !== undefined);
    return this.sink.apply(events, parsed.data.length);
  }

  private publicKey(): KeyObject {
    const value = this.config.env.SENDGRID_WEBHOOK_PUBLIC_KEY;
    if (!value) throw notConfigured('SendGrid', 'SENDGRID_WEBHOOK_PUBLIC_KEY');
    this.key ??= sendgridPublicKey(value);
    return this.key;
  }
}
