import { KEYSET_CURSOR, KEYSET_CURSOR_MESSAGE } from '@app/core';
import { Matches } from 'class-validator';

/** A `cursor` query parameter (with @IsOptional()): the keyset cursor format of @app/core, checked up front. */
export function IsKeysetCursor(): PropertyDecorator {
  return Matches(KEYSET_CURSOR, { message: KEYSET_CURSOR_MESSAGE });
}
