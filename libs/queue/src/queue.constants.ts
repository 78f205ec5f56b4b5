export enum QueueName {
  /** Transactional mail: double opt-in confirmations, welcome messages, test sends. */
  Mail = 'mail',
  /** Campaign orchestration: scheduled starts, fan-out, completion checks, recovery. */
  Campaign = 'campaign',
  /** Campaign message batches. */
  Delivery = 'delivery',
  /** Mail the inbound SMTP server stored: bounces, complaints, mailto unsubscribes, auto-replies. */
  Inbound = 'inbound',
}

export enum JobName {
  SendConfirmation = 'send-confirmation',
  SendTest = 'send-test',
  SendWelcome = 'send-welcome',
  StartCampaign = 'start-campaign',
  FanOutCampaign = 'fan-out-campaign',
  /** One range of a campaign's recipient snapshot: write its ledger rows, enqueue their DeliverBatch jobs. */
  FanOutRange = 'fan-out-range',
  CheckCampaign = 'check-campaign',
  DeliverBatch = 'deliver-batch',
  ProcessInboundMessage = 'process-inbound-message',
}

/** Payloads carry ids only: handlers reload state, so a job is safe to run twice. */
export interface JobPayloads {
  [JobName.SendConfirmation]: { subscriberId: number };
  [JobName.SendTest]: { editionId: number; to: string[] };
  [JobName.SendWelcome]: { subscriberId: number };
  [JobName.StartCampaign]: { campaignId: number };
  [JobName.FanOutCampaign]: { campaignId: number };
  [JobName.FanOutRange]: { campaignId: number; rangeId: number };
  [JobName.CheckCampaign]: { campaignId: number };
  [JobName.DeliverBatch]: { campaignId: number; deliveryIds: number[] };
  [JobName.ProcessInboundMessage]: { inboundMessageId: number };
}

export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  [JobName.SendConfirmation]: QueueName.Mail,
  [JobName.SendTest]: QueueName.Mail,
  [JobName.SendWelcome]: QueueName.Mail,
  [JobName.StartCampaign]: QueueName.Campaign,
  [JobName.FanOutCampaign]: QueueName.Campaign,
  [JobName.FanOutRange]: QueueName.Campaign,
  [JobName.CheckCampaign]: QueueName.Campaign,
  [JobName.DeliverBatch]: QueueName.Delivery,
  [JobName.ProcessInboundMessage]: QueueName.Inbound,
};

export type JobPayload<J extends JobName> = JobPayloads[J];
