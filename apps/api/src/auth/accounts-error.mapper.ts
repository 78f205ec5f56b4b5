import { AccountsError } from '@app/core/accounts';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  type HttpException,
  NotFoundException,
} from '@nestjs/common';

/** AccountsError → the matching 4xx; anything else is rethrown untouched. */
export function rethrowAccountsError(e: unknown): never {
  if (e instanceof AccountsError) {
    const map: Record<AccountsError['kind'], (m: string) => HttpException> = {
      invalid: (m) => new BadRequestException(m),
      conflict: (m) => new ConflictException(m),
      'not-found': (m) => new NotFoundException(m),
      forbidden: (m) => new ForbiddenException(m),
    };
    throw map[e.kind](e.message);
  }
  throw e;
}
