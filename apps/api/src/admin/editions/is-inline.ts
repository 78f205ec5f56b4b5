import { linkUrlProblem } from '@app/content';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

// CR and LF, and the other line breaks a mail client or a browser may honour.
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
/** The most runs (texts and links) one piece of running text may have. */
const MAX_RUNS = 400;
/** The longest link text, or linked source name. */
const MAX_LINK_TEXT = 1000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

function hasOnlyKeys(v: Record<string, unknown>, keys: string[]): boolean {
  return Object.keys(v).every((k) => keys.includes(k));
}

/** Why `href` cannot be a link's address, or null (the one URL policy, @app/content linkUrlProblem). */
function hrefProblem(href: unknown): string | null {
  if (typeof href !== 'string') return 'a link address (a string)';
  return linkUrlProblem(href);
}

export interface InlineRules {
  maxLength: number;
  singleLine?: boolean;
}

/**
 * Why `value` is not running text (a string, or an array of strings, `{text, href}` links and
 * `{text, strong, em}` emphasis, links possibly emphasised too), or null.
 * The length counts what a reader reads (link addresses apart).
 */
export function inlineProblem(value: unknown, rules: InlineRules): string | null {
  const text = (s: string, what: string): string | null => {
    if (rules.singleLine && LINE_BREAK.test(s)) return `${what} must be a single line (no CR or LF)`;
    return null;
  };
  if (typeof value === 'string') {
    if (value.trim() === '') return 'must not be empty';
    if (value.length > rules.maxLength) return `must be at most ${rules.maxLength} characters`;
    return text(value, 'text');
  }
  if (!Array.isArray(value)) return 'must be a string, or an array of strings, links and emphasis';
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_RUNS) return `must have at most ${MAX_RUNS} runs of text and links`;
  let length = 0;
  for (const run of value) {
    if (typeof run === 'string') {
      length += run.length;
      const p = text(run, 'text');
      if (p) return p;
      continue;
    }
    if (
      !isPlainObject(run) ||
      !hasOnlyKeys(run, ['text', 'href', 'strong', 'em']) ||
      typeof run.text !== 'string'
    ) {
      return 'each run must be a string, a link {text, href} or emphasis {text, strong: true, em: true}';
    }
    if (run.strong !== undefined && run.strong !== true) return 'strong must be true when present';
    if (run.em !== undefined && run.em !== true) return 'em must be true when present';
    const what = run.href === undefined ? 'emphasised text' : 'a link';
    if (run.href === undefined && !run.strong && !run.em) return 'a run without href must have strong or em';
    if (run.text.trim() === '') return `${what} must have text`;
    if (run.text.length > MAX_LINK_TEXT) return `${what}'s text must be at most ${MAX_LINK_TEXT} characters`;
    if (LINE_BREAK.test(run.text)) return `${what}'s text must be a single line (no CR or LF)`;
    if (run.href !== undefined) {
      const problem = hrefProblem(run.href);
      if (problem) return `a link's href is refused: expected ${problem}`;
    }
    length += run.text.length;
  }
  if (length > rules.maxLength) return `must be at most ${rules.maxLength} characters`;
  return null;
}

/** Running text: a string, or runs of strings and `{text, href}` links (http: or https: only). */
export function IsInline(rules: InlineRules, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInline',
      validator: {
        validate: (value: unknown) => inlineProblem(value, rules) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'text'} ${inlineProblem(args?.value, rules) ?? 'is not valid'}`,
      },
    },
    options,
  );
}

/** Why `value` is not a link item's source (a name, or `{name, url}`), or null. */
export function sourceProblem(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.trim() === '') return 'must not be empty';
    if (value.length > 200) return 'must be at most 200 characters';
    return null;
  }
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['name', 'url']) || typeof value.name !== 'string') {
    return 'must be a source name, or {name, url}';
  }
  if (value.name.trim() === '') return 'name must not be empty';
  if (value.name.length > 200) return 'name must be at most 200 characters';
  const problem = hrefProblem(value.url);
  return problem ? `url is refused: expected ${problem}` : null;
}

/** Why `value` is not a link item's sources (an array of names and `{name, url}`), or null. */
export function sourcesProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of source names or {name, url}';
  if (value.length > 20) return 'must have at most 20 sources';
  for (const [i, s] of value.entries()) {
    const problem = sourceProblem(s);
    if (problem) return `[${i}] ${problem}`;
  }
  return null;
}

/** A link item's sources: each a name, or `{name, url}`. */
export function IsLinkSources(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLinkSources',
      validator: {
        validate: (value: unknown) => sourcesProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'sources'}${sourcesProblem(args?.value) ?? ' is not valid'}`,
      },
    },
    options,
  );
}

/** A link address under the one URL policy (http: or https:). */
export function IsLinkUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLinkUrl',
      validator: {
        validate: (value: unknown) => hrefProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'url'} is refused: expected ${hrefProblem(args?.value) ?? 'a link address'}`,
      },
    },
    options,
  );
}
