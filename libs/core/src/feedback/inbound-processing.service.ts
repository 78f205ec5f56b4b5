import { Database, InboundClassification, InboundStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InboundMessageRepository } from './inbound-message.repository';

/**
 * Processes one stored inbound message: parse, classify (DSN, ARF, mailto unsubscribe, auto-reply), act on it
 * through FeedbackService, record the outcome. Safe to run twice: a message no longer `received` is left alone.
 */
@Injectable()
export class InboundProcessingService {
  constructor(
    private readonly db: Database,
    private readonly messages: InboundMessageRepository,
  ) {}

  async process(inboundMessageId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const message = await this.messages.lockForProcessing(inboundMessageId, tx);
      if (!message || message.status !== InboundStatus.Received) return;
      // Classification arrives with the parsers (issue 13, part B).
      await this.messages.recordOutcome(
        message.id,
        { status: InboundStatus.Ignored, classification: InboundClassification.Other, detail: null },
        tx,
      );
    });
  }
}
