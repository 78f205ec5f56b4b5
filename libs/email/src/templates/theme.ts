import type { CSSProperties } from 'react';

/**
 * Shared look of the service's emails. Light colours are inline (every client gets them); the dark palette
 * is applied by class through a prefers-color-scheme media query (Apple Mail, iOS, Outlook for Mac, some
 * webmails) and Outlook.com's [data-ogsc] / [data-ogsb] attributes. Clients that force-invert (Gmail apps)
 * start from mid-contrast colours that survive inversion.
 */
export const colors = {
  page: '#f3f1ec',
  card: '#ffffff',
  text: '#1f2328',
  muted: '#5b626b',
  accent: '#a4161a',
  rule: '#ddd8cc',
  darkPage: '#0f1115',
  darkCard: '#1a1d23',
  darkText: '#e8e6e3',
  darkMuted: '#a9b1bb',
  darkAccent: '#ff7b6e',
  darkRule: '#363c46',
} as const;

export const serif = "Georgia, 'Times New Roman', Times, serif";
export const sans = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** Kept on one line: it goes into the HTML verbatim. */
export const headCss = [
  ':root{color-scheme:light dark;supported-color-schemes:light dark}',
  'body{margin:0;padding:0;-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%}',
  'a{text-decoration:underline}',
  '@media (prefers-color-scheme:dark){',
  `.cc-page,.cc-page>table>tbody>tr>td{background-color:${colors.darkPage}!important}`,
  `.cc-card{background-color:${colors.darkCard}!important}`,
  `.cc-fg{color:${colors.darkText}!important}`,
  `.cc-muted{color:${colors.darkMuted}!important}`,
  `.cc-accent{color:${colors.darkAccent}!important}`,
  `.cc-rule{border-color:${colors.darkRule}!important}`,
  `.cc-button{background-color:${colors.darkAccent}!important;color:#111111!important}`,
  '}',
  `[data-ogsc] .cc-fg{color:${colors.darkText}!important}`,
  `[data-ogsc] .cc-muted{color:${colors.darkMuted}!important}`,
  `[data-ogsc] .cc-accent{color:${colors.darkAccent}!important}`,
  `[data-ogsb] .cc-page{background-color:${colors.darkPage}!important}`,
  `[data-ogsb] .cc-card{background-color:${colors.darkCard}!important}`,
  '@media only screen and (max-width:620px){',
  '.cc-pad{padding-left:18px!important;padding-right:18px!important}',
  '.cc-h1{font-size:30px!important;line-height:36px!important}',
  '.cc-h3{font-size:19px!important;line-height:26px!important}',
  '}',
].join('');

export const s = {
  body: { backgroundColor: colors.page, margin: 0, padding: '24px 0' },
  container: {
    backgroundColor: colors.card,
    maxWidth: '600px',
    width: '100%',
    margin: '0 auto',
    borderTop: `4px solid ${colors.accent}`,
  },
  pad: { padding: '0 36px' },
  topbar: { padding: '14px 36px 0' },
  small: { fontFamily: sans, fontSize: '12px', lineHeight: '18px', color: colors.muted, margin: 0 },
  mast: {
    fontFamily: serif,
    fontSize: '38px',
    lineHeight: '44px',
    fontWeight: 700,
    letterSpacing: '-0.5px',
    color: colors.text,
    margin: '22px 0 2px',
  },
  issue: {
    fontFamily: sans,
    fontSize: '13px',
    lineHeight: '20px',
    letterSpacing: '1.5px',
    textTransform: 'uppercase',
    color: colors.accent,
    fontWeight: 700,
    margin: '0 0 14px',
  },
  description: {
    fontFamily: serif,
    fontSize: '16px',
    lineHeight: '24px',
    fontStyle: 'italic',
    color: colors.muted,
    margin: '0 0 8px',
  },
  hr: { border: 'none', borderTop: `1px solid ${colors.rule}`, margin: '24px 0' },
  sectionTitle: {
    fontFamily: sans,
    fontSize: '13px',
    lineHeight: '20px',
    letterSpacing: '1.5px',
    textTransform: 'uppercase',
    fontWeight: 700,
    color: colors.accent,
    margin: '0 0 6px',
  },
  headline: {
    fontFamily: serif,
    fontSize: '22px',
    lineHeight: '29px',
    fontWeight: 700,
    color: colors.text,
    margin: '20px 0 8px',
  },
  para: { fontFamily: serif, fontSize: '17px', lineHeight: '27px', color: colors.text, margin: '0 0 14px' },
  item: { fontFamily: serif, fontSize: '16px', lineHeight: '25px', color: colors.text, margin: '0 0 12px' },
  dash: { color: colors.accent },
  sources: { fontFamily: sans, fontSize: '13px', color: colors.muted },
  itemTitle: { fontFamily: serif, fontSize: '16px', lineHeight: '24px', fontWeight: 700, color: colors.text },
  attribution: { fontFamily: sans, fontSize: '13px', lineHeight: '20px', color: colors.muted },
  masthead: { fontFamily: sans, fontSize: '14px', lineHeight: '22px', color: colors.text, margin: '0 0 4px' },
  link: { color: colors.accent, textDecoration: 'underline' },
  footer: { padding: '8px 36px 28px' },
  footerText: {
    fontFamily: sans,
    fontSize: '12px',
    lineHeight: '19px',
    color: colors.muted,
    margin: '0 0 10px',
  },
  button: {
    backgroundColor: colors.accent,
    color: '#ffffff',
    fontFamily: sans,
    fontSize: '16px',
    fontWeight: 700,
    textDecoration: 'none',
    borderRadius: '4px',
    padding: '14px 26px',
  },
} satisfies Record<string, CSSProperties>;

/** Allows http(s), mailto and our placeholder tokens; anything else (javascript:, data:...) becomes "#". */
export function safeHref(url: string | undefined): string {
  if (!url) return '#';
  const u = url.trim();
  if (/^%%[A-Z0-9_]+%%$/.test(u) || /^(?:https?:\/\/|mailto:)/i.test(u)) return u;
  return '#';
}

/** What a mailto: address may not hold (besides the one "@"): spaces, brackets, quotes, query syntax. */
const MAILTO_FORBIDDEN_RE = /[\s@()<>,;:"[\]\\?&]/;

/**
 * mailto: href for a plausible address ("local@domain" with a dot inside the domain), or undefined (then the
 * address is shown as text only). Checked piecewise: the one pattern /^[^X]+@[^X]+\.[^X]+$/ that said the same
 * tried every dot of the domain and rescanned the rest each time (quadratic in the number of dots).
 */
export function mailtoHref(email: string): string | undefined {
  const at = email.indexOf('@');
  const domain = email.slice(at + 1);
  const plausible =
    at > 0 &&
    !MAILTO_FORBIDDEN_RE.test(email.slice(0, at)) &&
    !MAILTO_FORBIDDEN_RE.test(domain) &&
    domain.slice(1, -1).includes('.');
  return plausible ? `mailto:${email}` : undefined;
}
