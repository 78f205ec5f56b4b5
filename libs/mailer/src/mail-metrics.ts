import { Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { MailTransport, OutgoingMail, SendResult } from './mail-transport';
import { MailSendError } from './mail-transport';

export const MESSAGE_KINDS = ['campaign', 'confirmation', 'welcome', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
/** sent: accepted by the SMTP server; retry: failed for now, tried again later; failed: given up; bounced: 5xx. */
export const MESSAGE_RESULTS = ['sent', 'retry', 'failed', 'bounced'] as const;
export type MessageResult = (typeof MESSAGE_RESULTS)[number];

/**
 * What a sending process counts about its mail: messages by kind and result, how long the SMTP server took to
 * answer each message, and how long senders waited for their turn under the global send rate. The metrics
 * belong to no registry of their own (one set per Nest app, never prom-client's global registry); the worker's
 * /metrics registers them (`registerInto`).
 */
@Injectable()
export class MailMetrics {
  readonly messages = new Counter({
    name: 'newsletter_messages_total',
    help: 'Messages by kind (campaign, confirmation, welcome, test) and result (sent, retry, failed, bounced), counted by the worker that handled them',
    labelNames: ['kind', 'result'] as const,
    registers: [],
  });
  readonly smtpDuration = new Histogram({
    name: 'newsletter_smtp_send_duration_seconds',
    help: 'Time from handing one message to the transport to the SMTP server accepting or refusing it, by result (accepted, transient, permanent)',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [],
  });
  readonly rateWait = new Histogram({
    name: 'newsletter_send_rate_wait_seconds',
    help: 'Time a sender waited for the global send rate (SEND_RATE_PER_SECOND / SEND_RATE_PER_HOUR) before it could send',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600],
    registers: [],
  });

  constructor() {
    // Every series exists from the first scrape, so rates and alerts see 0 rather than nothing.
    for (const kind of MESSAGE_KINDS)
      for (const result of MESSAGE_RESULTS) this.messages.inc({ kind, result }, 0);
  }

  count(kind: MessageKind, result: MessageResult, n = 1): void {
    if (n > 0) this.messages.inc({ kind, result }, n);
  }

  registerInto(registry: Registry): void {
    registry.registerMetric(this.messages);
    registry.registerMetric(this.smtpDuration);
    registry.registerMetric(this.rateWait);
  }

  /** The transport with every send timed. */
  timed(transport: MailTransport): MailTransport {
    const duration = this.smtpDuration;
    return {
      get description() {
        return transport.description;
      },
      async send(mail: OutgoingMail): Promise<SendResult> {
        const end = duration.startTimer();
        try {
          const res = await transport.send(mail);
          end({ result: 'accepted' });
          return res;
        } catch (err) {
          end({
            result: err instanceof MailSendError && err.kind === 'permanent' ? 'permanent' : 'transient',
          });
          throw err;
        }
      },
      verify: () => transport.verify(),
      close: () => transport.close(),
    };
  }
}
