import { AppConfig } from '@app/config';
import type { FeedbackEvent } from '@app/core';
import { FeedbackKind, FeedbackSource } from '@app/database';
import { createRedisClient, type RedisClient } from '@app/queue';
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Injectable,
  type OnApplicationShutdown,
  Post,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/** How far a signature's timestamp may be from now (either way). */
export const MAILGUN_MAX_SKEW_SECONDS = 300;

const str = (max: number) => z.string().max(max);
const mailgunSchema = z.object({
  signature: z.object({
    timestamp: z.union([str(20), z.number()]),
    token: str(200).min(1),
    signature: str(128).min(1),
  }),
  'event-data': z.object({
    id: str(100).optional(),
    event: str(40),
    severity: str(20).optional(),
    recipient: str(320).optional(),
    timestamp: z.number().optional(),
    reason: str(200).optional(),
    'user-variables': z.record(str(100), z.unknown()).optional(),
    message: z.object({ headers: z.record(str(100), z.unknown()).optional() }).optional(),
    'delivery-status': z
      .object({
        code: z.union([z.number(), str(10)]).optional(),
        description: str(2000).optional(),
        message: str(2000).optional(),
      })
      .optional(),
  }),
});
export type MailgunWebhook = z.infer<typeof mailgunSchema>;

/** A Mailgun event as a FeedbackEvent, or none (delivered, opened, ...). */
export function mailgunEvent(body: MailgunWebhook): FeedbackEvent | undefined {
  const e = body['event-data'];
  let kind: FeedbackKind | undefined;
  if (e.event === 'failed') {
    kind = e.severity === 'permanent' ? FeedbackKind.HardBounce : FeedbackKind.SoftBounce;
  } else if (e.event === 'complained') kind = FeedbackKind.Complaint;
  else if (e.event === 'unsubscribed') kind = FeedbackKind.Unsubscribe;
  if (!kind) return undefined;
  const vars = e['user-variables'] ?? {};
  const status = e['delivery-status'];
  return {
    source: FeedbackSource.Mailgun,
    dedupeKey: `${e.id ?? createHash('sha256').update(body.signature.token).digest('hex')}`,
    kind,
    refs: referencesOf({
      deliveryIds: [vars[DELIVERY_ARG_NAME], vars['X-Newsletter-Delivery']],
      // Mailgun's message-id header is the Message-ID we set, without angle brackets.
      messageIds: [e.message?.headers?.['message-id']],
      email: e.recipient,
    }),
    statusCode: clipText(status?.code, 16),
    diagnostic: clipText(status?.description || status?.message || e.reason, 1000),
    occurredAt: eventTime(e.timestamp),
  };
}

/**
 * Mailgun signature tokens already used, in Redis with an expiry a little over the accepted skew: a token
 * older than that is refused by its timestamp anyway.
 */
@Injectable()
export class MailgunTokens implements OnApplicationShutdown {
  private client?: RedisClient;

  constructor(private readonly config: AppConfig) {}

  /** True the first time a token is seen; false for a replay. */
  async firstUse(token: string): Promise<boolean> {
    const key = this.key(token);
    const set = await this.redis().set(key, '1', 'EX', MAILGUN_MAX_SKEW_SECONDS * 2 + 60, 'NX');
    return set === 'OK';
  }

  /** Forgets a token whose request failed after it was recorded, so the provider's retry is not a "replay". */
  async release(token: string): Promise<void> {
    await this.redis().del(this.key(token));
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  private key(token: string): string {
    const digest = createHash('sha256').update(token).digest('hex');
    return `${this.config.env.REDIS_PREFIX}:webhook:mailgun-token:${digest}`;
  }

  private redis(): RedisClient {
    if (!this.client) {
      // A command waits for the (re)connection once, then fails: while Redis is away the webhook answers 503
      // and Mailgun retries, rather than holding requests forever.
      this.client = createRedisClient(this.config.env, {
        maxRetriesPerRequest: 1,
        connectionName: 'mailgun-webhook',
      });
      this.client.on('error', () => undefined);
    }
    return this.client;
  }
}

/** Mailgun's webhooks (one event per request): failed, complained, unsubscribed. */
@ApiTags('webhooks')
@Controller('api/webhooks')
export class MailgunWebhookController {
  constructor(
    private readonly config: AppConfig,
    private readonly tokens: MailgunTokens,
    private readonly sink: ProviderEventSink,
  ) {}

  @Post('mailgun')
  @HttpCode(200)
  @ApiBody({ description: 'A Mailgun webhook: { signature: {timestamp, token, signature}, event-data }' })
  @ApiOperation({
    summary: 'Mailgun bounces, complaints and unsubscribes',
    description:
      'signature = HMAC-SHA256(MAILGUN_WEBHOOK_SIGNING_KEY, timestamp + token), timestamp within 5 minutes, ' +
      'each token accepted once. failed (permanent: hard bounce, temporary: soft), complained, unsubscribed.',
  })
  @ApiResponse({ status: 200, type: ProviderWebhookResultDto })
  @ApiResponse({ status: 400, description: 'Not JSON, or not a Mailgun webhook' })
  @ApiResponse({ status: 401, description: 'Bad signature, stale timestamp, or a token used before' })
  @ApiResponse({ status: 503, description: 'MAILGUN_WEBHOOK_SIGNING_KEY is not set, or Redis is away' })
  async receive(@Body() body: unknown): Promise<ProviderWebhookResultDto> {
    const key = this.config.env.MAILGUN_WEBHOOK_SIGNING_KEY;
    if (!key) throw notConfigured('Mailgun', 'MAILGUN_WEBHOOK_SIGNING_KEY');
    const parsed = mailgunSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException('The body is not a Mailgun webhook');
    const { timestamp, token, signature } = parsed.data.signature;
    const ts = String(timestamp);
    const expected = createHmac('sha256', key)
      .update(ts + token)
      .digest();
    const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('The Mailgun signature does not match');
    }
    const seconds = /^\d{1,12}$/.test(ts) ? Number(ts) : NaN;
    if (!(Math.abs(Date.now() / 1000 - seconds) <= MAILGUN_MAX_SKEW_SECONDS)) {
      throw new UnauthorizedException('The Mailgun signature timestamp is not within 5 minutes of now');
    }
    let first: boolean;
    try {
      first = await this.tokens.firstUse(token);
    } catch {
      throw new ServiceUnavailableException('Replay protection is unavailable (Redis); retry later');
    }
    if (!first) throw new UnauthorizedException('This Mailgun signature token was used before');
    const event = mailgunEvent(parsed.data);
    try {
      return await this.sink.apply(event ? [event] : [], 1);
    } catch (err) {
      await this.tokens.release(token).catch(() => undefined);
      throw err;
    }
  }
}
