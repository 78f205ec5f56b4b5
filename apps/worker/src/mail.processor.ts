import { ConfirmationMailer, EditionService } from '@app/core';
import { JobName, type JobPayload, QueueName } from '@app/queue';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';

type Handlers = { [J in JobName]?: (payload: JobPayload<J>) => Promise<unknown> };

/** Transactional mail. Each job name maps to one domain call; add a job by adding a line to `handlers`. */
@Processor(QueueName.Mail, { concurrency: 8 })
export class MailProcessor extends WorkerHost {
  private readonly handlers: Handlers;

  constructor(confirmations: ConfirmationMailer, editions: EditionService) {
    super();
    this.handlers = {
      [JobName.SendConfirmation]: (p) => confirmations.send(p.subscriberId),
      [JobName.SendTest]: (p) => editions.sendTest(p.editionId, p.to),
    };
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as
      ((payload: unknown) => Promise<unknown>) | undefined;
    // Retrying cannot teach this worker a job it does not know: fail it for good, visibly.
    if (!handler)
      throw new UnrecoverableError(`the ${QueueName.Mail} queue has no handler for job "${job.name}"`);
    return handler(job.data);
  }
}
