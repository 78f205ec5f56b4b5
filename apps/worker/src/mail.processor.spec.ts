import { testRecipients } from './mail.processor';

describe('test-send recipients in the worker', () => {
  it('keeps addresses the API accepts, normalized as the API stores them', () => {
    expect(testRecipients(['Editor@Example.ORG', 'b@example.org'])).toEqual([
      'Editor@example.org',
      'b@example.org',
    ]);
  });

  it('fails the job for good on an address the API would refuse, naming it by position', () => {
    for (const address of [
      'no-at-sign',
      'a@b',
      'a@exa mple.org',
      'zero\u200bwidth@example.org',
      'a@\ud800.org',
    ]) {
      expect(() => testRecipients(['ok@example.org', address])).toThrow(
        expect.objectContaining({
          name: 'UnrecoverableError',
          message: expect.stringMatching(/^invalid send-test payload: to\.1: /),
        }),
      );
    }
  });
});
