import { InvalidInputError, NotFoundError } from '../common/domain.errors';

/** Input a reader or admin can fix (400 with this message). */
export class SubscriptionInputError extends InvalidInputError {}

/** The subscriber does not exist (or was erased). */
export class SubscriberNotFoundError extends NotFoundError {
  constructor(id: number | string) {
    super(`Subscriber ${id} not found`);
  }
}
