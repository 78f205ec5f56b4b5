import { InvalidInputError } from './domain.errors';
import { decodeCursor, encodeCursor, KEYSET_CURSOR_MESSAGE } from './keyset-cursor';

describe('keyset cursor', () => {
  it('is the last id, in decimal, and round-trips', () => {
    expect(encodeCursor(12345)).toBe('12345');
    expect(decodeCursor(encodeCursor(12345))).toBe(12345);
    expect(decodeCursor('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(['', '0', '-1', '01', '1.5', 'bm9wZQ', 'czoxMg', '12345678901234567', ' 1', '1\n'])(
    'refuses %j as invalid input',
    (c) => {
      expect(() => decodeCursor(c)).toThrow(InvalidInputError);
      expect(() => decodeCursor(c)).toThrow(KEYSET_CURSOR_MESSAGE);
    },
  );
});
