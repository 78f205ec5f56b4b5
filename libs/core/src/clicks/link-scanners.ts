/**
 * User agents of the link scanners that mail gateways run on every link of an incoming message, before (or
 * instead of) a person: their clicks are counted as machine clicks. One list, with where each entry comes
 * from; matched case-insensitively as a plain substring (no regular expression sees the header).
 *
 * - Microsoft Defender for Office 365 Safe Links: "BingPreview" and the "Microsoft Office" preview fetchers
 *   seen on Safe Links detonation (learn.microsoft.com/defender-office-365/safe-links-about); Safe Links
 *   itself also fetches from Azure ranges with a desktop browser agent, which the timing rules catch.
 * - Mimecast URL Protect: "Mimecast" (community.mimecast.com, "URL Protect" user agent notes).
 * - Proofpoint URL Defense / TAP sandbox: "Proofpoint" and "ppops" (help.proofpoint.com, URL Defense).
 * - Barracuda Link Protection / Sentinel: "Barracuda" (campus.barracuda.com, Link Protection).
 * - Generic preview and security fetchers that announce themselves: "urlscan", "python-requests",
 *   "Go-http-client", "curl/", "Wget/", "HeadlessChrome" (no person clicks a newsletter with these).
 */
export const LINK_SCANNER_AGENTS: readonly string[] = [
  'bingpreview',
  'microsoft office',
  'ms-office',
  'safelinks',
  'mimecast',
  'proofpoint',
  'ppops',
  'barracuda',
  'urlscan',
  'python-requests',
  'go-http-client',
  'curl/',
  'wget/',
  'headlesschrome',
];

/** Whether a User-Agent header names a known link scanner (a missing one counts as a machine too). */
export function isLinkScanner(userAgent: string | undefined): boolean {
  if (!userAgent) return true;
  const ua = userAgent.slice(0, 512).toLowerCase();
  return LINK_SCANNER_AGENTS.some((s) => ua.includes(s));
}
