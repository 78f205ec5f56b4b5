/**
 * Per-recipient placeholder tokens. An edition is rendered ONCE with these tokens where the per-recipient
 * URLs go; the sender then splices real values in. The tokens are plain ASCII letters, "_" and "%", so they
 * pass through React's HTML escaping, attribute quoting and quoted-printable encoding unchanged.
 */
export const PLACEHOLDERS = {
  unsubscribeUrl: '%%UNSUBSCRIBE_URL%%',
  preferencesUrl: '%%PREFERENCES_URL%%',
  webUrl: '%%WEB_URL%%',
  confirmUrl: '%%CONFIRM_URL%%',
  /** The open pixel's address (TRACKING=individual with OPEN_TRACKING=true). */
  openUrl: '%%OPEN_URL%%',
} as const;

export type PlaceholderKey = keyof typeof PLACEHOLDERS;
export type PlaceholderValues = Partial<Record<PlaceholderKey, string>>;

/** Where a value lands: HTML needs escaping (it sits in attributes and text), plain text takes it raw. */
export type SpliceContext = 'html' | 'text';

/**
 * A string pre-split at its placeholders: statics[0] slot[0] statics[1] ... statics[n].
 * statics.length === slots.length + 1.
 */
export interface SplitTemplate<K extends string = PlaceholderKey> {
  statics: string[];
  slots: K[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits `source` at every occurrence of the tokens in `tokens` (a map of key -> token). Done once per edition. */
export function splitPlaceholders<K extends string = PlaceholderKey>(
  source: string,
  tokens: Readonly<Record<K, string>> = PLACEHOLDERS as unknown as Record<K, string>,
): SplitTemplate<K> {
  const byToken = new Map<string, K>();
  for (const key of Object.keys(tokens) as K[]) byToken.set(tokens[key], key);
  if (byToken.size === 0) return { statics: [source], slots: [] };
  const re = new RegExp([...byToken.keys()].map(escapeRegExp).join('|'), 'g');
  const statics: string[] = [];
  const slots: K[] = [];
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    statics.push(source.slice(last, m.index));
    slots.push(byToken.get(m[0])!);
    last = m.index + m[0].length;
  }
  statics.push(source.slice(last));
  return { statics, slots };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
};

/** Escapes a value for an HTML attribute or text node. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Values must be single-line: no CR, LF or other control characters (they could end a header or a URL). */
export function assertSafeValue(key: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`Placeholder value “${key}” contains a line break or control character`);
  }
}

/**
 * Resolves the value for every distinct slot once (escaped for the context), throwing if a placeholder
 * used by the template has no value: a message must never go out with a raw token in it.
 */
export function resolveSlotValues<K extends string>(
  slots: readonly K[],
  values: Partial<Record<K, string>>,
  context: SpliceContext,
): Map<K, string> {
  const out = new Map<K, string>();
  for (const key of slots) {
    if (out.has(key)) continue;
    const v = values[key];
    if (typeof v !== 'string') throw new Error(`No value for placeholder “${key}”`);
    assertSafeValue(key, v);
    out.set(key, context === 'html' ? escapeHtml(v) : v);
  }
  return out;
}

/** Joins a split template with resolved values. */
export function fillSplit<K extends string>(t: SplitTemplate<K>, resolved: Map<K, string>): string {
  const { statics, slots } = t;
  let out = statics[0]!;
  for (let i = 0; i < slots.length; i++) out += resolved.get(slots[i]!)! + statics[i + 1]!;
  return out;
}
