import { AppConfig } from '@app/config';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SECRET_HEADER = 'x-webhook-secret';

/**
 * Provider webhooks authenticate with the shared BOUNCE_WEBHOOK_SECRET in the X-Webhook-Secret header,
 * compared as SHA-256 digests in constant time. Unset secret: 503, so a provider retries later instead of
 * the reports being accepted unauthenticated or silently dropped.
 */
@Injectable()
export class WebhookSecretGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: AppConfig) {
    const secret = config.env.BOUNCE_WEBHOOK_SECRET;
    this.expected = secret ? createHash('sha256').update(secret).digest() : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ServiceUnavailableException(
        'The bounce webhook is not configured (BOUNCE_WEBHOOK_SECRET is unset)',
      );
    }
    const header = context.switchToHttp().getRequest<Request>().headers[WEBHOOK_SECRET_HEADER];
    const given = typeof header === 'string' ? createHash('sha256').update(header).digest() : undefined;
    if (!given || !timingSafeEqual(given, this.expected)) {
      throw new UnauthorizedException('A valid X-Webhook-Secret header is required');
    }
    return true;
  }
}
