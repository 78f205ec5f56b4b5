import { checkEmail } from '@app/core';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * An address the service will store or mail: the same rules as a subscriber's (one line, no control or
 * bidi characters, ASCII local part, no mixed-alphabet look-alike domain, at most 254 characters).
 * class-validator's IsEmail throws a URIError on a lone UTF-16 surrogate (a 500), and accepts zero-width
 * characters and look-alike domains.
 */
export function isAddress(value: unknown): boolean {
  if (typeof value !== 'string' || /\p{Cs}/u.test(value)) return false;
  try {
    return checkEmail(value).ok;
  } catch {
    return false;
  }
}

/** The stored form of a valid address (domain lowercased, in ASCII); anything else unchanged for validation. */
export function normalizeAddress(value: unknown): unknown {
  if (!isAddress(value)) return value;
  const checked = checkEmail(value);
  return checked.ok ? checked.email : value;
}

export function IsAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddress',
      validator: {
        validate: (value: unknown) => isAddress(value),
        defaultMessage: () => 'must be a valid email address, like name@example.org',
      },
    },
    options,
  );
}
