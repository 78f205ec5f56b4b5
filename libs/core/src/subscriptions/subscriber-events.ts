/** Who asked for a change, from where and through which form: the consent evidence kept with each event. */
export interface ChangeEvidence {
  ip?: string | null;
  userAgent?: string | null;
  /** "form:hosted", "form:embed", "api", "confirm-link", "one-click", "preferences", "import", "admin", ... */
  source: string;
  detail?: string | null;
  /** The campaign a change came from (an unsubscribe link or mailto of that message; issue 15). */
  campaignId?: number | null;
}

export type SubscriberEventType =
  | 'subscribed'
  | 'confirmation_sent'
  | 'confirmed'
  | 'unsubscribed'
  | 'resubscribed'
  | 'bounced'
  | 'complained'
  | 'status_changed'
  | 'imported'
  | 'erased'
  | 'name_changed';

const clip = (v: string | null | undefined, n: number): string | null => (v ? v.slice(0, n) : null);

/**
 * Sizes of the evidence columns (subscriber.consent_ip, consent_user_agent, consent_source and
 * subscriber_event.ip, user_agent, source, detail). Evidence comes from request headers (the user agent, the
 * client address a proxy forwards), so it is cut to fit rather than refused.
 */
export const EVIDENCE_MAX_LENGTH = { ip: 64, userAgent: 512, source: 100, detail: 500 } as const;

/** The evidence columns of subscriber_event (ip, user_agent, source, detail), clipped to their sizes. */
export function eventEvidence(ev: ChangeEvidence): (string | null)[] {
  const max = EVIDENCE_MAX_LENGTH;
  return [
    clip(ev.ip, max.ip),
    clip(ev.userAgent, max.userAgent),
    clip(ev.source, max.source),
    clip(ev.detail, max.detail),
  ];
}

/** The consent columns of subscriber (consent_ip, consent_user_agent, consent_source), clipped to their sizes. */
export function consentEvidence(ev: ChangeEvidence): [string | null, string | null, string] {
  const max = EVIDENCE_MAX_LENGTH;
  return [clip(ev.ip, max.ip), clip(ev.userAgent, max.userAgent), ev.source.slice(0, max.source)];
}
