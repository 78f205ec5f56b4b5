import type { AppConfig } from '@app/config';
import type { ChangeEvidence } from '@app/core';
import type { Request } from 'express';

/** Consent evidence of a request: client IP (as trusted via TRUST_PROXY), user agent, and where it came from. */
export function evidence(req: Request, source: string, detail?: string | null): ChangeEvidence {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, source, detail: detail ?? null };
}

/**
 * "form:hosted" for our own page, "form:embed" (with the embedding site's origin as detail) for a form on
 * another site posting here, told apart by the Origin (or Referer) header browsers send with form posts.
 */
export function formEvidence(req: Request, config: AppConfig): ChangeEvidence {
  const own = new URL(config.env.PUBLIC_URL).origin;
  let from: string | undefined;
  for (const h of [req.get('origin'), req.get('referer')]) {
    if (!h || h === 'null') continue;
    try {
      from = new URL(h).origin;
      break;
    } catch {
      // not a URL: ignore the header
    }
  }
  if (from && from !== own) return evidence(req, 'form:embed', `origin ${from}`);
  return evidence(req, 'form:hosted');
}
