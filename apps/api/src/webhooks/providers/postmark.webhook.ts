import { AppConfig } from '@app/config';
import type { FeedbackEvent } from '@app/core';
import { FeedbackKind, FeedbackSource } from '@app/database';
import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  clipText,
  DELIVERY_ARG_NAME,
  DELIVERY_HEADER_NAME,
  eventTime,
  headerValue,
  notConfigured,
  ProviderEventSink,
  ProviderWebhookResultDto,
  referencesOf,
  sameSecret,
} from './provider-events';

const str = (max: number) => z.string().max(max);
const postmarkSchema = z.object({
  RecordType: str(40),
  ID: z.union([z.number(), str(40)]).optional(),
  Type: str(60).optional(),
  MessageID: str(100).optional(),
  Email: str(320).optional(),
  Recipient: str(320).optional(),
  Description: str(2000).optional(),
  Details: str(4000).optional(),
  BouncedAt: str(40).optional(),
  ChangedAt: str(40).optional(),
  SuppressSending: z.boolean().optional(),
  SuppressionReason: str(60).optional(),
  Metadata: z.record(str(100), z.union([str(1000), z.number()])).optional(),
  Headers: z
    .array(z.object({ Name: str(200), Value: str(2000) }))
    .max(200)
    .optional(),
});

/** Postmark bounce types (developer docs, "Bounce types") that mean the address does not work. */
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
/** Temporary or unclear failures: counted as soft bounces. AutoResponder and the rest are not bounces. */
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'Undeliverable', 'SpamNotification']);

/** One Postmark webhook (one record per request) as a FeedbackEvent, or none when it changes nothing. */
export function postmarkEvent(body: unknown): FeedbackEvent | undefined {
  const parsed = postmarkSchema.safeParse(body);
  if (!parsed.success) throw new BadRequestException('The body is not a Postmark webhook record');
  const p = parsed.data;
  let kind: FeedbackKind | undefined;
  if (p.RecordType === 'Bounce') {
    if (p.Type && HARD.has(p.Type)) kind = FeedbackKind.HardBounce;
    else if (p.Type && SOFT.has(p.Type)) kind = FeedbackKind.SoftBounce;
    else if (p.Type === 'SpamComplaint') kind = FeedbackKind.Complaint;
    else if (p.Type === 'Unsubscribe') kind = FeedbackKind.Unsubscribe;
  } else if (p.RecordType === 'SpamComplaint') {
    kind = FeedbackKind.Complaint;
  } else if (p.RecordType === 'SubscriptionChange') {
    // Bounces and complaints arrive as their own records; a manual suppression is the reader's own wish.
    if (p.SuppressSending === true && p.SuppressionReason === 'ManualSuppression')
      kind = FeedbackKind.Unsubscribe;
  }
  if (!kind) return undefined;
  const email = p.Email ?? p.Recipient;
  const id =
    p.ID !== undefined
      ? String(p.ID)
      : `${p.MessageID ?? ''}:${(email ?? '').toLowerCase()}:${p.ChangedAt ?? ''}`;
  return {
    source: FeedbackSource.Postmark,
    dedupeKey: `${p.RecordType}:${id}`.slice(0, 200),
    kind,
    // Postmark's MessageID is its own; ours comes back as metadata or as the header we set.
    refs: referencesOf({
      deliveryIds: [
        p.Metadata?.[DELIVERY_ARG_NAME],
        p.Metadata?.['X-Newsletter-Delivery'],
        headerValue(p.Headers, DELIVERY_HEADER_NAME, { name: 'Name', value: 'Value' }),
      ],
      email,
    }),
    diagnostic: clipText(p.Details || p.Description || p.Type || p.SuppressionReason, 1000),
    occurredAt: eventTime(p.BouncedAt ?? p.ChangedAt),
  };
}

/** Postmark bounce, spam complaint and subscription-change webhooks. */
@ApiTags('webhooks')
@Controller('api/webhooks')
export class PostmarkWebhookController {
  constructor(
    private readonly config: AppConfig,
    private readonly sink: ProviderEventSink,
  ) {}

  @Post('postmark')
  @HttpCode(200)
  @ApiSecurity('basic')
  @ApiBody({ description: 'A Postmark webhook record (Bounce, SpamComplaint, SubscriptionChange)' })
  @ApiOperation({
    summary: 'Postmark bounces and complaints',
    description:
      'HTTP basic auth: the password (or "user:password") is BOUNCE_WEBHOOK_SECRET. Hard bounces, soft ' +
      'bounces, spam complaints and manual suppressions; other records answer 200 and change nothing.',
  })
  @ApiResponse({ status: 200, type: ProviderWebhookResultDto })
  @ApiResponse({ status: 400, description: 'Not JSON, or not a Postmark record' })
  @ApiResponse({ status: 401, description: 'Missing or wrong basic auth' })
  @ApiResponse({ status: 503, description: 'BOUNCE_WEBHOOK_SECRET is not set' })
  async receive(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<ProviderWebhookResultDto> {
    this.authenticate(authorization);
    const event = postmarkEvent(body);
    return this.sink.apply(event ? [event] : [], 1);
  }

  private authenticate(header: string | undefined): void {
    const secret = this.config.env.BOUNCE_WEBHOOK_SECRET;
    if (!secret) throw notConfigured('Postmark', 'BOUNCE_WEBHOOK_SECRET');
    const refuse = () =>
      new UnauthorizedException('HTTP basic auth with BOUNCE_WEBHOOK_SECRET as the password is required');
    if (typeof header !== 'string' || header.length > 2000 || !header.startsWith('Basic ')) throw refuse();
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    // Both comparisons always run: the answer's timing does not tell which form almost matched.
    const byPassword = sameSecret(password, secret);
    const byWhole = sameSecret(decoded, secret);
    if (!byPassword && !byWhole) throw refuse();
  }
}
