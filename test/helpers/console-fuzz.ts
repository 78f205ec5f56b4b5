import type request from 'supertest';

/** Attribute values as a browser reads them (the pages escape `&`, `=` and quotes as numeric entities). */
export const decode = (s: string) =>
  s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

/** A small hostile set for console forms (the shared corpus in test/fixtures/hostile belongs to the hardening suites). */
export const FUZZ = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(100_000),
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  '%s%n%x',
  '${7*7}{{7*7}}',
  'line\r\nBcc: victim@example.org',
  '🙂'.repeat(300),
  '١٢٣',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '__proto__',
  '../../etc/passwd',
];

/** Percent-encodes UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser would send it). */
export const pct = (v: string) =>
  [...Buffer.from(v, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** What a fuzzed answer must never be: a 5xx, the input reflected unescaped into HTML, a 4xx page without a message. */
export function misbehaves(res: request.Response, input: string): string | undefined {
  if (res.status >= 500 || res.status === 0) return `status ${res.status}`;
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('html') && /[<>"]/.test(input) && res.text.includes(input)) return 'reflected unescaped';
  if (
    res.status >= 400 &&
    type.includes('html') &&
    !res.text.includes('role="alert"') &&
    !/<h1/.test(res.text)
  ) {
    return '4xx page without a message';
  }
  return undefined;
}

export const HOSTILE = '<script>alert(1)</script>';
export const HOSTILE_ESCAPED = '&#60;script&#62;alert(1)&#60;/script&#62;';
