import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CampaignProcessor } from './campaign.processor';
import { DeliveryProcessor } from './delivery.processor';
import { InboundProcessor } from './inbound.processor';
import { assertEveryJobHandled } from './job.processor';
import { MailProcessor } from './mail.processor';

/** Fails the worker's boot (before any queue is consumed) if some job name has no handler. */
@Injectable()
export class WorkerBootCheck implements OnModuleInit {
  constructor(
    private readonly mail: MailProcessor,
    private readonly campaign: CampaignProcessor,
    private readonly delivery: DeliveryProcessor,
    private readonly inbound: InboundProcessor,
  ) {}

  onModuleInit(): void {
    assertEveryJobHandled([this.mail, this.campaign, this.delivery, this.inbound]);
  }
}
