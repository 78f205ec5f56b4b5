import { checkEmail, ConfirmationMailer, EditionService, WelcomeMailer } from '@app/core';
import { JobName, QueueName } from '@app/queue';
import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { type JobHandlers, JobProcessor } from './job.processor';

/**
 * The recipients of a test send, each held to the rules the API applies to an address it accepts
 * (checkEmail), in their normalized form. The job's schema has already bounded the list (1..10, one address
 * per element); a job that fails here was not made by the API, and retrying cannot fix it.
 */
export function testRecipients(to: string[]): string[] {
  return to.map((address, i) => {
    let reason: string;
    try {
      const checked = checkEmail(address);
      if (checked.ok) return checked.email;
      reason = checked.reason;
    } catch {
      reason = 'email must be a valid email address';
    }
    throw new UnrecoverableError(`invalid ${JobName.SendTest} payload: to.${i}: ${reason}`);
  });
}

/** Transactional mail. Each job name maps to one domain call; add a job by adding a line to `handlers`. */
@Processor(QueueName.Mail, { concurrency: 8 })
export class MailProcessor extends JobProcessor {
  readonly queue = QueueName.Mail;
  protected readonly handlers: JobHandlers;

  constructor(confirmations: ConfirmationMailer, editions: EditionService, welcomes: WelcomeMailer) {
    super();
    this.handlers = {
      [JobName.SendConfirmation]: (p) => confirmations.send(p.subscriberId),
      [JobName.SendWelcome]: (p) => welcomes.send(p.subscriberId),
      [JobName.SendTest]: (p) => editions.sendTest(p.editionId, testRecipients(p.to)),
    };
  }
}
