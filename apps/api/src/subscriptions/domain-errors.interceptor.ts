import { CsvImportError, SubscriberNotFoundError, SubscriptionInputError } from '@app/core';
import {
  BadRequestException,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  NotFoundException,
} from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';

/** Turns the subscription domain's errors into 400/404 answers with the domain's message. */
export function toHttpError(err: unknown): unknown {
  if (err instanceof CsvImportError)
    return new BadRequestException({ message: err.message, report: err.report });
  if (err instanceof SubscriptionInputError) return new BadRequestException(err.message);
  if (err instanceof SubscriberNotFoundError) return new NotFoundException(err.message);
  return err;
}

@Injectable()
export class DomainErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        throw toHttpError(err);
      }),
    );
  }
}
