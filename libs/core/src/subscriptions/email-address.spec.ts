import { checkEmail, checkName } from './email-address';

describe('checkEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'Jane.Doe@example.com'],
    ['a+tag@sub.example.org', 'a+tag@sub.example.org'],
    ['user@bücher.de', 'user@xn--bcher-kva.de'],
    ['user@例子.广告', 'user@xn--fsqu00a.xn--4rr70v'],
    ['user@テスト.jp', 'user@xn--zckzah.jp'],
  ])('accepts %j as %j (trimmed, domain lowercased and in ASCII, local part kept)', (input, expected) => {
    expect(checkEmail(input)).toEqual({ ok: true, email: expected });
  });

  it.each([
    ['a@b.c\r\nBcc: x@y.z', /line breaks or control characters/],
    ['a@b.cd\u0000', /control characters/],
    ['a@b.cd\u202e', /control characters/],
    ['a\u200b@b.cd', /control characters/],
    [`${'x'.repeat(300)}@example.com`, /at most 254 characters/],
    [`${'x'.repeat(65)}@example.com`, /at most 64 characters before the @/],
    [`x@${'a'.repeat(250)}.com`, /at most 254 characters/],
    ['jоhn@example.com', /ASCII/], // Cyrillic "о"
    ['ａ@b.cd', /ASCII/], // full-width "a"
    ['用户@例子.广告', /ASCII/],
    ['user@exаmple.com', /different alphabets/], // Cyrillic "а" in a Latin domain
    ['user@xn--exmple-4nf.com', /different alphabets/], // the same, typed as punycode
    ['a b@c.de', /spaces/],
    ['no-at-sign.example.com', /name@example.org/],
    ['a@', /name@example.org/],
    ['a@localhost', /valid email address/],
    ['a@[1.2.3.4]', /valid email address/],
    ['a..b@c.de', /valid email address/],
    ['', /required/],
    ['   ', /required/],
    // Quoted local parts are valid RFC 5321 but carry commas, spaces and @ into the address: the sender
    // then refuses them ("Invalid To address") or a mail client splits them into two recipients.
    ['"quoted"@example.org', /quoted/],
    ['"x,attacker@evil.com"@example.org', /quoted/],
    ['"a b"@example.org', /spaces/],
    ['"a@b"@example.org', /quoted/],
    ['a."b".c@example.org', /quoted/],
    ['a\\"b@example.org', /quoted/],
    ['a,b@example.org', /valid email address/],
  ])('refuses %j', (input, reason) => {
    const r = checkEmail(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it.each([[42], [['a@b.cd']], [{ email: 'a@b.cd' }], [null], [undefined]])(
    'refuses the non-string %j',
    (v) => {
      expect(checkEmail(v)).toEqual({ ok: false, reason: 'email must be a string' });
    },
  );
});

describe('checkName', () => {
  it('trims, keeps markup as text (pages escape it) and maps empty to null', () => {
    expect(checkName('  Zoë <script>alert(1)</script> ')).toEqual({
      ok: true,
      name: 'Zoë <script>alert(1)</script>',
    });
    expect(checkName('   ')).toEqual({ ok: true, name: null });
    expect(checkName(undefined)).toEqual({ ok: true, name: null });
  });

  it('keeps zero-width non-joiners that spell Persian names correctly', () => {
    expect(checkName('می‌خواهم')).toEqual({ ok: true, name: 'می‌خواهم' });
  });

  it('refuses line breaks, bidi overrides, non-strings and over-long names', () => {
    expect(checkName('a\r\nBcc: x@y.z').ok).toBe(false);
    expect(checkName('evil\u202Etxt.exe').ok).toBe(false);
    expect(checkName(5)).toEqual({ ok: false, reason: 'name must be a string' });
    expect(checkName('x'.repeat(201))).toEqual({ ok: false, reason: 'name must be at most 200 characters' });
  });
});
