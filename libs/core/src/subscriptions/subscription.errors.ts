/** Input a reader or admin can fix: the HTTP layer answers it with 400 and this message. */
export class SubscriptionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionInputError';
  }
}

/** The subscriber does not exist (or was erased). */
export class SubscriberNotFoundError extends Error {
  constructor(id: number | string) {
    super(`Subscriber ${id} not found`);
    this.name = 'SubscriberNotFoundError';
  }
}
