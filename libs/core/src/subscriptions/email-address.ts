import { isEmail } from 'class-validator';
import { domainToASCII, domainToUnicode } from 'node:url';

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

// Cc: C0/C1 controls incl. CR/LF/NUL; Cf: zero-width and bidi overrides that make an address look like another.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const ASCII_PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Scripts a domain label may combine, after UTS #39 "highly restrictive": one script, or Latin with the
 * scripts Chinese, Japanese and Korean are normally written in. "pаypal" with a Cyrillic "а" mixes Latin and
 * Cyrillic and is refused.
 */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Tamil',
  'Thai',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
] as const;
type Script = (typeof SCRIPTS)[number] | 'Other';
const SCRIPT_RE = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);
const ALLOWED_MIXES: Script[][] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

function scriptOf(ch: string): Script | undefined {
  if (!/\p{L}/u.test(ch)) return undefined; // digits, hyphens, marks: script-neutral here
  for (const [name, re] of SCRIPT_RE) if (re.test(ch)) return name;
  return 'Other';
}

function labelMixesScripts(label: string): boolean {
  const used = new Set<Script>();
  for (const ch of label) {
    const s = scriptOf(ch);
    if (s) used.add(s);
  }
  if (used.size <= 1) return false;
  if (used.has('Other')) return true;
  return !ALLOWED_MIXES.some((mix) => [...used].every((s) => mix.includes(s)));
}

/**
 * Validates and normalizes an address typed by a reader or found in an import: trimmed, domain lowercased
 * (and in its ASCII/punycode form, which every SMTP server accepts), local part kept as typed.
 * Non-ASCII local parts are refused: they need SMTPUTF8 end to end and are the usual home of look-alike tricks.
 */
export function checkEmail(input: unknown): EmailCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'email must be a string' };
  const value = input.trim();
  if (value === '') return { ok: false, reason: 'email is required' };
  if (CONTROL_OR_FORMAT.test(value)) {
    return { ok: false, reason: 'email must not contain line breaks or control characters' };
  }
  if (value.length > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `email must be at most ${MAX_EMAIL_LENGTH} characters` };
  }
  if (/\s/u.test(value)) return { ok: false, reason: 'email must not contain spaces' };
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) {
    return { ok: false, reason: 'email must look like name@example.org' };
  }
  const local = value.slice(0, at);
  let domain = value.slice(at + 1);
  if (!ASCII_PRINTABLE.test(local)) {
    return {
      ok: false,
      reason:
        'email must use only ASCII letters, digits and punctuation before the @ (international mailbox names are not supported)',
    };
  }
  // A quoted local part ("x,attacker@evil.com"@example.org) is valid RFC 5321, and isEmail accepts it, but
  // it carries commas, @ and quotes into every To: header: the campaign sender refuses such addresses and
  // some clients split them into two recipients. Only the unquoted dot-atom form is accepted.
  if (local.includes('"') || local.includes('\\')) {
    return {
      ok: false,
      reason:
        'email must not use quotes or backslashes before the @ (quoted mailbox names are not supported)',
    };
  }
  if (local.length > MAX_LOCAL_LENGTH) {
    return { ok: false, reason: `email must have at most ${MAX_LOCAL_LENGTH} characters before the @` };
  }
  if (!ASCII_PRINTABLE.test(domain)) {
    domain = domainToASCII(domain.normalize('NFC'));
    if (domain === '') return { ok: false, reason: 'email has an invalid domain' };
  }
  // Checked on the decoded form so a look-alike typed directly as punycode (xn--...) is caught too.
  if (/(^|\.)xn--/i.test(domain) && domainToUnicode(domain).split('.').some(labelMixesScripts)) {
    return { ok: false, reason: 'email domain mixes letters from different alphabets (a look-alike domain)' };
  }
  const email = `${local}@${domain.toLowerCase()}`;
  if (email.length > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `email must be at most ${MAX_EMAIL_LENGTH} characters` };
  }
  if (LONG_LABEL.test(domain) || !isEmail(email, IS_EMAIL_OPTIONS))
    return { ok: false, reason: 'email must be a valid email address, like name@example.org' };
  return { ok: true, email };
}

// The lengths validator's isEmail would check (local part ≤ 64 bytes, address ≤ 254, domain labels ≤ 63) are
// checked here: the first two above, on ASCII, where characters are bytes; labels by LONG_LABEL. Its own
// byte-length checks percent-encode the string and split it with a regex, a fifth of an import's validation.
const IS_EMAIL_OPTIONS = {
  allow_utf8_local_part: false,
  require_tld: true,
  allow_ip_domain: false,
  allow_display_name: false,
  ignore_max_length: true,
};
const LONG_LABEL = /[^.]{64}/;

export type NameCheck = { ok: true; name: string | null } | { ok: false; reason: string };

export const MAX_NAME_LENGTH = 200;
// Like CONTROL_OR_FORMAT, but zero-width (non-)joiners are part of correctly spelled names in several scripts.
const NAME_FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

/** A reader's display name: optional, trimmed, one line. It is only ever shown escaped. */
export function checkName(input: unknown): NameCheck {
  if (input === undefined || input === null) return { ok: true, name: null };
  if (typeof input !== 'string') return { ok: false, reason: 'name must be a string' };
  const name = input.trim();
  if (name === '') return { ok: true, name: null };
  if (NAME_FORBIDDEN.test(name)) {
    return { ok: false, reason: 'name must not contain line breaks or control characters' };
  }
  if (name.length > MAX_NAME_LENGTH) {
    return { ok: false, reason: `name must be at most ${MAX_NAME_LENGTH} characters` };
  }
  return { ok: true, name };
}
