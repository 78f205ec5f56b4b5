import { Matches } from 'class-validator';

/**
 * The one cursor format of every keyset-paged list (campaigns, deliveries, subscribers; API and console):
 * the id of the last row of the page before, in decimal. A page then costs the same at any depth.
 */
export const KEYSET_CURSOR = /^[1-9][0-9]{0,15}$/;

export const KEYSET_CURSOR_MESSAGE =
  'cursor is invalid: a cursor must be the nextCursor of the previous page';

/** A `cursor` query parameter (with @IsOptional()). */
export function IsKeysetCursor(): PropertyDecorator {
  return Matches(KEYSET_CURSOR, { message: KEYSET_CURSOR_MESSAGE });
}
