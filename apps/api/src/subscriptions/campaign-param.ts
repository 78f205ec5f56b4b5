import { CAMPAIGN_PARAM } from '@app/core';

export { CAMPAIGN_PARAM };

const ID = /^[1-9][0-9]{0,9}$/;

/**
 * The campaign a campaign message's unsubscribe or preferences link names (`?c=`), or null: anything but a
 * plain positive id is ignored (the unsubscribe still happens, unattributed). SubscriptionService keeps it
 * only if that campaign sent to the reader.
 */
export function campaignParam(value: unknown): number | null {
  if (typeof value !== 'string' || !ID.test(value)) return null;
  const n = Number(value);
  return n <= 2_147_483_647 ? n : null;
}
