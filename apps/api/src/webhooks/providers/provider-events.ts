import { type DeliveryReference, type FeedbackEvent, FeedbackService } from '@app/core';
import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header we set on every campaign message (X-Newsletter-Delivery) and the custom-argument name. */
export const DELIVERY_HEADER_NAME = 'x-newsletter-delivery';
export const DELIVERY_ARG_NAME = 'newsletter_delivery';

/** What a provider webhook answers: how many events it read, acted on, and left alone. */
export class ProviderWebhookResultDto {
  @ApiProperty({ description: 'Events in the request' }) received!: number;
  @ApiProperty({ description: 'Bounces, complaints and unsubscribes acted on for the first time' })
  applied!: number;
  @ApiProperty({ description: 'Seen before (a retry or replay): nothing changed' }) duplicates!: number;
  @ApiProperty({ description: 'Events of kinds that change nothing (deliveries, opens, delays...)' })
  ignored!: number;
  @ApiProperty({ description: 'Acted-on events that named no known subscriber' }) unmatched!: number;
}

/** A delivery id as the header or custom argument carries it (decimal, positive, safe). */
export function deliveryIdOf(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (text.length === 0 || text.length > 15 || text[0] === '0') return undefined;
  for (const ch of text) if (ch < '0' || ch > '9') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Clips what a provider says before it reaches a FeedbackEvent (the service clips again when storing). */
export function clipText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  return text ? text.slice(0, max) : undefined;
}

/** A provider's event time (ISO string, or Unix seconds), or undefined when absent or absurd. */
export function eventTime(value: unknown): Date | undefined {
  const d =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string' && value.length <= 40
        ? new Date(value)
        : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/**
 * The references of one provider event, best first: the delivery id we sent in X-Newsletter-Delivery (or as a
 * custom argument), then our Message-ID, then the recipient's address.
 */
export function referencesOf(opts: {
  deliveryIds?: unknown[];
  messageIds?: unknown[];
  email?: unknown;
}): DeliveryReference[] {
  const refs: DeliveryReference[] = [];
  for (const v of opts.deliveryIds ?? []) {
    const id = deliveryIdOf(v);
    if (id !== undefined && !refs.some((r) => r.by === 'delivery' && r.deliveryId === id))
      refs.push({ by: 'delivery', deliveryId: id });
  }
  for (const v of opts.messageIds ?? []) {
    const id = clipText(v, 340);
    if (id) refs.push({ by: 'message-id', messageId: id });
  }
  const email = clipText(opts.email, 320);
  if (email && email.includes('@')) refs.push({ by: 'address', email: email.toLowerCase() });
  return refs;
}

/** A header's value from a provider's list of {name, value} pairs (case-insensitive name). */
export function headerValue(
  headers: unknown,
  name: string,
  keys: { name: string; value: string } = { name: 'name', value: 'value' },
): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (const h of headers.slice(0, 200) as unknown[]) {
    if (!h || typeof h !== 'object') continue;
    const rec = h as Record<string, unknown>;
    const n = rec[keys.name];
    const v = rec[keys.value];
    if (typeof n === 'string' && n.toLowerCase() === name && typeof v === 'string') return v;
  }
  return undefined;
}

/** Compares two secrets in constant time (as SHA-256 digests, so their lengths do not show). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** 503 for a provider webhook whose key is not set: never accept a report unverified. */
export function notConfigured(provider: string, variable: string): ServiceUnavailableException {
  return new ServiceUnavailableException(`The ${provider} webhook is not configured (${variable} is unset)`);
}

/**
 * Hands a webhook's events to FeedbackService one by one and counts the outcomes. A failure propagates (the
 * provider gets a 5xx and retries; the events applied before it are not applied twice: each has its dedupe key).
 */
@Injectable()
export class ProviderEventSink {
  private readonly logger = new Logger(ProviderEventSink.name);

  constructor(private readonly feedback: FeedbackService) {}

  async apply(events: FeedbackEvent[], received: number): Promise<ProviderWebhookResultDto> {
    const result: ProviderWebhookResultDto = {
      received,
      applied: 0,
      duplicates: 0,
      ignored: received - events.length,
      unmatched: 0,
    };
    for (const event of events) {
      const outcome = await this.feedback.apply(event);
      if (!outcome.applied) result.duplicates++;
      else result.applied++;
      if (outcome.unmatched) {
        result.unmatched++;
        this.logger.warn(`${event.source} ${event.kind} ${event.dedupeKey}: ${outcome.unmatched}`);
      }
    }
    return result;
  }
}
