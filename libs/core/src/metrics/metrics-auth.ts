import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * `/metrics` protection shared by the API and the workers: when METRICS_TOKEN is set, the scraper must send
 * `Authorization: Bearer <METRICS_TOKEN>` (Prometheus: `authorization: { credentials: ... }`).
 * Without it the endpoint is open and operators bind or firewall it.
 */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}
