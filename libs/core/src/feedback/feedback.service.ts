import { Injectable } from '@nestjs/common';
import type { FeedbackEvent, FeedbackOutcome } from './feedback.types';

/**
 * The one place that acts on a bounce, complaint or unsubscribe, whatever its source: ties it to the delivery
 * and subscriber, records it once in mail_feedback (UNIQUE (source, dedupe_key): a repeat changes nothing),
 * moves the delivery and the subscriber, writes the subscriber_event.
 */
@Injectable()
export class FeedbackService {
  // Implemented in issue 13, part B.
  // eslint-disable-next-line @typescript-eslint/require-await
  async apply(event: FeedbackEvent): Promise<FeedbackOutcome> {
    throw new Error(`feedback from ${event.source} cannot be applied yet`);
  }
}
