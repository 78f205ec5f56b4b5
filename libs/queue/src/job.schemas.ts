import { z } from 'zod';
import { JobName, type JobPayloads } from './queue.constants';

/** Most addresses one test send may go to (the API and the console allow the same). */
export const MAX_TEST_RECIPIENTS = 10;
/** A delivery batch is SEND_BATCH_SIZE ids; this only bounds what a forged job can make a worker load. */
export const MAX_BATCH_IDS = 100_000;

const id = z.int().positive();

/**
 * One address per element: the handler checks each with the subscriber address rules (libs/core checkEmail);
 * this refuses the shapes that would put several recipients in one To header.
 */
const oneAddress = z
  .string()
  .min(3)
  .max(254)
  .refine((s) => !/[,;\s<>]/u.test(s), 'must be one address (no commas, semicolons, spaces or <>)');

/**
 * What a job's data must look like, per job name. A job in Redis is input like any request (anyone with access
 * to Redis or to a queue UI can add one), so the worker checks it against this before calling a handler.
 * Typed against JobPayloads, so a payload change that is not made here too does not compile.
 */
export const JOB_SCHEMAS: { [J in JobName]: z.ZodType<JobPayloads[J]> } = {
  [JobName.SendConfirmation]: z.strictObject({ subscriberId: id }),
  [JobName.SendTest]: z.strictObject({
    editionId: id,
    to: z.array(oneAddress).min(1).max(MAX_TEST_RECIPIENTS),
  }),
  [JobName.SendWelcome]: z.strictObject({ subscriberId: id }),
  [JobName.StartCampaign]: z.strictObject({ campaignId: id }),
  [JobName.FanOutCampaign]: z.strictObject({ campaignId: id }),
  // The range's bounds are read from campaign_range, not taken from the job: a forged job cannot widen one.
  [JobName.FanOutRange]: z.strictObject({ campaignId: id, rangeId: id }),
  [JobName.CheckCampaign]: z.strictObject({ campaignId: id }),
  [JobName.DeliverBatch]: z.strictObject({
    campaignId: id,
    deliveryIds: z.array(id).min(1).max(MAX_BATCH_IDS),
  }),
  [JobName.ProcessInboundMessage]: z.strictObject({ inboundMessageId: id }),
};

export type PayloadCheck<J extends JobName> =
  { ok: true; payload: JobPayloads[J] } | { ok: false; reason: string };

/** Checks a job's data against its schema; the reason names the first few problems by field. */
export function checkJobPayload<J extends JobName>(name: J, data: unknown): PayloadCheck<J> {
  const parsed = JOB_SCHEMAS[name].safeParse(data);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues.slice(0, 3).map((i) => {
    const path = i.path.map(String).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
  const more = parsed.error.issues.length - issues.length;
  return {
    ok: false,
    reason: `invalid ${name} payload: ${issues.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`,
  };
}
