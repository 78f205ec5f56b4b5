import { InvalidInputError } from './domain.errors';

/**
 * The one cursor format of every keyset-paged list (campaigns, deliveries, subscribers; API and console): the
 * id of the last row of the page before, in decimal. A page then costs the same at any depth, and the API
 * checks a cursor with the same pattern before it reaches a service.
 */
export const KEYSET_CURSOR = /^[1-9][0-9]{0,15}$/;

export const KEYSET_CURSOR_MESSAGE =
  'cursor is invalid: a cursor must be the nextCursor of the previous page';

export function encodeCursor(lastId: number): string {
  return String(lastId);
}

/** The id a cursor continues after; a cursor not made by encodeCursor is refused (400). */
export function decodeCursor(cursor: string): number {
  if (!KEYSET_CURSOR.test(cursor)) throw new InvalidInputError(KEYSET_CURSOR_MESSAGE);
  return Number(cursor);
}
