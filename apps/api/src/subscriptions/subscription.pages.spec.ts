import { SubscriberStatus } from '@app/database';
import { preferencesPage } from './subscription.pages';

describe('preferences page', () => {
  const render = (status: SubscriberStatus) =>
    preferencesPage({ token: 't0k3n', email: 'reader@example.org', name: null, status }).body.value;

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

  it('offers a subscribed reader the unsubscribe button', () => {
    expect(render(SubscriberStatus.Confirmed)).toContain('action="/preferences/unsubscribe"');
  });
});
