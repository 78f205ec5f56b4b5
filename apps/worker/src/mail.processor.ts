import { ConfirmationMailer, EditionService } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

/** Transactional mail. Each job name maps to one domain call; add a job by adding a line to `handlers`. */
@Processor(QueueName.Mail, { concurrency: 8 })
export class MailProcessor extends JobProcessor {
  readonly queue = QueueName.Mail;
  protected readonly handlers: JobHandlers;

  constructor(confirmations: ConfirmationMailer, editions: EditionService) {
    super();
    this.handlers = {
      [JobName.SendConfirmation]: (p) => confirmations.send(p.subscriberId),
      [JobName.SendTest]: (p) => editions.sendTest(p.editionId, p.to),
    };
  }
}
