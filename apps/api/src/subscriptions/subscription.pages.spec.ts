import { SubscriberStatus } from '@app/database';
import { checkInboxPage, preferencesPage } from './subscription.pages';

const PUB = { name: 'CRANK Call', slug: 'crank-call', description: 'A monthly review of sources.' };

describe('preferences page', () => {
  const render = (status: SubscriberStatus) =>
    preferencesPage(PUB, { token: 't0k3n', email: 'reader@example.org', name: null, status }).body.value;

  it('offers a one-click resubscribe to an unsubscribed or bounced reader', () => {
    for (const status of [SubscriberStatus.Unsubscribed, SubscriberStatus.Bounced]) {
      const page = render(status);
      expect(page).toContain('action="/preferences/resubscribe"');
      expect(page).not.toContain('resubscribe-by-form');
    }
  });

  it('offers a complainer no one-click resubscribe, only the subscribe form (a fresh double opt-in)', () => {
    const page = render(SubscriberStatus.Complained);
    expect(page).not.toContain('/preferences/resubscribe');
    expect(page).toContain('id="resubscribe-by-form"');
    expect(page).toContain('<a href="/">subscribe with the form</a>');
    expect(page).toContain('unsubscribed (marked as spam)');
  });

  it('offers a subscribed reader the unsubscribe button, styled as destructive and saying what it does', () => {
    const page = render(SubscriberStatus.Confirmed);
    expect(page).toContain('action="/preferences/unsubscribe"');
    expect(page).toMatch(/<p id="unsubscribe-what">\s*You stop receiving CRANK Call at once/);
    expect(page).toMatch(/class="destructive" aria-describedby="unsubscribe-what">\s*Unsubscribe\s*</);
    expect(page).toMatch(/class="destructive" aria-describedby="erase-what">\s*Erase my data\s*</);
  });
});

describe('check your inbox', () => {
  it('repeats the address the reader gave, escaped, and says nothing else about it', () => {
    const a = checkInboxPage(PUB, 'a<b>"@example.org').body.value;
    expect(a).toContain('<strong id="sent-to">a&#60;b&#62;&#34;@example.org</strong>');
    expect(a).not.toContain('<b>');
    // two addresses: the pages differ only by the address itself
    const b = checkInboxPage(PUB, 'someone.else@example.org').body.value;
    expect(a.replace('a&#60;b&#62;&#34;@example.org', 'X')).toBe(b.replace('someone.else@example.org', 'X'));
  });
});
