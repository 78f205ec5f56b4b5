/**
 * The one URL policy for links in an edition (issue 14): every way in (text draft, Markdown, Word, HTML paste,
 * the structured API) asks linkUrlProblem and refuses what it names. A link may lead to an absolute http: or
 * https: address only (mailto: only where the caller allows it, the masthead): no javascript:, data: or other
 * scheme, no relative path, no user name or password, nothing a reader could not see in a status bar (spaces,
 * quotes, angle brackets, control characters), at most MAX_LINK_URL_LENGTH characters.
 */

/** The longest link address accepted (characters). Longer ones are pastes gone wrong or tracking blobs. */
export const MAX_LINK_URL_LENGTH = 2000;

// A character class each: one pass over the address, whatever it holds.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_URL_CHAR_RE = /[\s\u0000-\u001f\u007f<>"\\`]/;
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;
const HTTP_RE = /^https?:\/\//i;

export interface LinkUrlPolicy {
  /** Accept mailto: addresses too (only where they were accepted before links: the masthead). */
  mailto?: boolean;
}

/** Balanced parentheses: a draft writes the address inside "(...)", so an unbalanced one could not be read back. */
function parenthesesBalanced(url: string): boolean {
  let depth = 0;
  for (const c of url) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Null when `url` may be the target of a link in an edition; otherwise what was expected instead, in words an
 * editor understands (the parsers put it after "Line N: expected ...").
 */
export function linkUrlProblem(url: string, policy: LinkUrlPolicy = {}): string | null {
  if (url === '') return 'a link address, e.g. “[Reuters](https://www.reuters.com/…)”';
  if (url.length > MAX_LINK_URL_LENGTH) {
    return `a link address of at most ${MAX_LINK_URL_LENGTH.toLocaleString('en')} characters (this one has ${url.length.toLocaleString('en')})`;
  }
  if (FORBIDDEN_URL_CHAR_RE.test(url)) {
    return 'a link address without spaces, quotes, angle brackets, backslashes or control characters';
  }
  const scheme = SCHEME_RE.exec(url)?.[0].toLowerCase();
  if (scheme === 'mailto:' && policy.mailto) {
    const address = url.slice(scheme.length);
    const at = address.indexOf('@');
    return at > 0 && at < address.length - 1 && !address.includes('?')
      ? null
      : 'a mailto: link with one address';
  }
  if (scheme !== undefined && scheme !== 'http:' && scheme !== 'https:') {
    return `an http: or https: link (“${scheme}” links are not allowed)`;
  }
  if (!HTTP_RE.test(url)) {
    return `an absolute link starting with https:// (“${url.length > 40 ? `${url.slice(0, 37)}...` : url}” is a relative path)`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'a well-formed link address (this one cannot be read as a URL)';
  }
  if (!parsed.hostname) return 'a link address with a host name';
  if (parsed.username || parsed.password) return 'a link address without a user name or password';
  if (!parenthesesBalanced(url)) {
    return 'a link address with balanced parentheses (write “(” as %28 and “)” as %29)';
  }
  return null;
}

/** True when linkUrlProblem finds nothing. */
export function isAllowedLinkUrl(url: string, policy: LinkUrlPolicy = {}): boolean {
  return linkUrlProblem(url, policy) === null;
}
