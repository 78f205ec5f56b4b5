import { InboundProcessingService } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

/** Inbound mail the inbound SMTP server stored: one job per message, processed once (the handler checks). */
@Processor(QueueName.Inbound, { concurrency: 4 })
export class InboundProcessor extends JobProcessor {
  readonly queue = QueueName.Inbound;
  protected readonly handlers: JobHandlers;

  constructor(inbound: InboundProcessingService) {
    super();
    this.handlers = {
      [JobName.ProcessInboundMessage]: (p) => inbound.process(p.inboundMessageId),
    };
  }
}
