import type { IncomingMessage, ServerResponse } from 'node:http';

/** Deeper than any body the API accepts (an edition is 4 levels), far shallower than what overflows the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * body-parser `verify` hook for JSON bodies: refuses nesting deeper than MAX_JSON_DEPTH before the body is
 * parsed. Validation and class-transformer recurse once per level, so `[[[[...]]]]` ten thousand deep would
 * otherwise end in a RangeError (a 500) instead of a 400.
 */
export function rejectDeepJson(_req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const b of buf) {
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw Object.assign(new Error(`JSON must not be nested deeper than ${MAX_JSON_DEPTH} levels`), {
          status: 400,
          type: 'entity.too.deep',
        });
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
}
