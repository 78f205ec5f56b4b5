import { mayResubscribeOneClick } from '@app/core';
import { SubscriberStatus } from '@app/database';
import { html, type SafeHtml } from '../pages/html';
import { type ReaderPage, readerPage } from '../pages/layout';
import type { PagePublication } from '../pages/publication';
import { HONEYPOT_FIELD } from './subscribe.dto';
import { CHALLENGE_FIELD, CHALLENGE_PATH } from './subscribe-challenge';
import { ALTCHA_WIDGET_PATH } from '../pages/assets';

/**
 * Server-rendered reader pages. Every value is interpolated through `html`, which escapes it.
 *
 * Purpose binding: the confirm and unsubscribe pages never carry a preferences link. A preferences link
 * never expires and can export and erase the reader's data, so it goes only where the reader receives it in
 * their own mailbox (the foot of every issue), not into the answer to a confirm link (which may be expired,
 * or fetched by whoever the link was forwarded to) or to an unsubscribe link.
 */

const alert = (message?: string): SafeHtml | '' =>
  message ? html`<p role="alert" id="form-error" class="error">${message}</p>` : '';

const notice = (message?: string): SafeHtml | '' =>
  message ? html`<p role="status" class="card notice">${message}</p>` : '';

/** The optional name field, on the subscribe form and the preferences page. */
function nameField(value: string | null | undefined): SafeHtml {
  return html`<label for="name">Name <span class="muted">(optional)</span></label>
    <input type="text" id="name" name="name" autocomplete="name" maxlength="200" value="${value ?? ''}" />`;
}

/**
 * The proof-of-work check (the `altcha` widget, served from node_modules at /assets/altcha.js): it fetches a
 * challenge and solves it in a web worker when the reader focuses the form, and puts the solution in the
 * hidden `altcha` field. Without JavaScript the form explains that the check must finish.
 */
function challengeWidget(): SafeHtml {
  return html`<altcha-widget
      challenge="${CHALLENGE_PATH}"
      name="${CHALLENGE_FIELD}"
      auto="onfocus"
    ></altcha-widget>
    <noscript><p class="muted">This form needs JavaScript for its anti-robot check.</p></noscript>
    <script type="module" src="${ALTCHA_WIDGET_PATH}"></script>`;
}

export function subscribePage(
  pub: PagePublication,
  opts: { error?: string; email?: string; name?: string; challenge?: boolean } = {},
): ReaderPage {
  const described = opts.error ? 'form-error email-help' : 'email-help';
  return readerPage(
    `Subscribe to ${pub.name}`,
    html`<h1>Subscribe to ${pub.name}</h1>
      <p>${pub.description}</p>
      <form class="card" method="post" action="/subscribe">
        ${alert(opts.error)}
        <label for="email">Email address</label>
        <input
          type="email"
          id="email"
          name="email"
          required
          autocomplete="email"
          inputmode="email"
          maxlength="254"
          aria-describedby="${described}"
          ${opts.error ? html`aria-invalid="true"` : ''}
          value="${opts.email ?? ''}"
        />
        <p class="muted" id="email-help">We will send one email to confirm the address.</p>
        ${nameField(opts.name)}
        <div class="hp" aria-hidden="true">
          <label for="${HONEYPOT_FIELD}">Website (leave this empty)</label>
          <input
            type="text"
            id="${HONEYPOT_FIELD}"
            name="${HONEYPOT_FIELD}"
            tabindex="-1"
            autocomplete="off"
            value=""
          />
        </div>
        ${opts.challenge ? challengeWidget() : ''}
        <button type="submit">Subscribe</button>
      </form>
      <p class="muted">One email a month. Every issue has a one-click unsubscribe link.</p>`,
  );
}

/**
 * The same page for every address, known or not (no enumeration). It repeats the address as the reader
 * typed it (their own input, escaped), so a typo shows; nothing else depends on the address.
 */
export function checkInboxPage(pub: PagePublication, email: string | null): ReaderPage {
  return readerPage(
    'Check your inbox',
    html`<h1>Check your inbox</h1>
      ${email ? html`<p>The address you gave: <strong id="sent-to">${email}</strong></p>` : ''}
      <p>
        If the address can receive mail, a message with a confirmation link is on its way. Click the link in
        it to start receiving ${pub.name}.
        ${email ? html`Not the right address? <a href="/">Subscribe with the right one</a>.` : ''}
      </p>
      <p class="muted">
        Nothing arrived after a few minutes? Look in your spam folder, or <a href="/">try again</a>. If you
        are already subscribed, there is nothing more to do.
      </p>`,
  );
}

export function confirmPage(pub: PagePublication, token: string, email: string | null): ReaderPage {
  return readerPage(
    'Confirm your subscription',
    html`<h1>Confirm your subscription</h1>
      <p>
        Please confirm that ${email ? html`<strong>${email}</strong>` : 'this address'} should receive
        ${pub.name}.
      </p>
      <form method="post" action="/confirm">
        <input type="hidden" name="token" value="${token}" />
        <button type="submit">Confirm subscription</button>
      </form>`,
  );
}

/** Where a reader finds their preferences link, said on pages that must not carry one. */
const PREFERENCES_HINT = html`Every issue has links at its foot to manage your subscription, download or erase
your data, or unsubscribe.`;

export function confirmedPage(pub: PagePublication): ReaderPage {
  return readerPage(
    'Subscription confirmed',
    html`<h1>You are subscribed</h1>
      <p>Thank you. The next issue of ${pub.name} will come to your inbox.</p>
      <p class="muted">${PREFERENCES_HINT}</p>`,
  );
}

export function alreadyConfirmedPage(): ReaderPage {
  return readerPage(
    'Already subscribed',
    html`<h1>You are already subscribed</h1>
      <p>This address is already confirmed: there is nothing more to do.</p>
      <p class="muted">${PREFERENCES_HINT}</p>`,
  );
}

export function expiredConfirmPage(token: string): ReaderPage {
  return readerPage(
    'Link expired',
    html`<h1>This confirmation link has expired</h1>
      <p>Confirmation links work for 7 days. We can send you a new one.</p>
      <form method="post" action="/confirm/resend">
        <input type="hidden" name="token" value="${token}" />
        <button type="submit">Send me a new link</button>
      </form>`,
  );
}

export function invalidLinkPage(
  pub: PagePublication,
  title = 'This link is not valid',
  message = 'The link is incomplete or was changed. Please use the link exactly as it appears in the email.',
): ReaderPage {
  return readerPage(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p class="muted"><a href="/">Subscribe to ${pub.name}</a></p>`,
  );
}

export function goneLinkPage(pub: PagePublication): ReaderPage {
  return invalidLinkPage(
    pub,
    'This link no longer works',
    'The subscription it belonged to no longer exists (for example, its data was erased). You can subscribe again at any time.',
  );
}

export function notPendingPage(pub: PagePublication): ReaderPage {
  return invalidLinkPage(
    pub,
    'This link is no longer valid',
    'This confirmation link belongs to a subscription that has since ended. To receive the newsletter again, subscribe once more.',
  );
}

export function unsubscribePage(
  pub: PagePublication,
  opts: {
    token: string;
    email: string | null;
    status: SubscriberStatus;
    /** The campaign the link named (kept on the form, so the unsubscribe is attributed to it). */
    campaignId?: number | null;
  },
): ReaderPage {
  if (opts.status === SubscriberStatus.Unsubscribed) return unsubscribedPage(pub, true);
  const c = opts.campaignId ? `&c=${opts.campaignId}` : '';
  return readerPage(
    'Unsubscribe',
    html`<h1>Unsubscribe</h1>
      <p>
        Stop sending ${pub.name} to ${opts.email ? html`<strong>${opts.email}</strong>` : 'this address'}?
      </p>
      <form method="post" action="/unsubscribe?token=${encodeURIComponent(opts.token)}${c}">
        <button type="submit">Unsubscribe</button>
      </form>`,
  );
}

export function unsubscribedPage(pub: PagePublication, already = false): ReaderPage {
  return readerPage(
    'Unsubscribed',
    html`<h1>${already ? 'You are unsubscribed' : 'You have been unsubscribed'}</h1>
      <p>You will not receive ${pub.name} any more.</p>
      <p class="muted">
        Changed your mind? <a href="/">Subscribe again</a> (we will email you a confirmation link). To
        download or erase your data, use "Manage preferences" at the foot of any issue you received.
      </p>`,
  );
}

/**
 * What a test message's unsubscribe or preferences link (and its List-Unsubscribe, one-click included)
 * opens: the editor who received the test is no subscriber, so there is nothing to change.
 */
export function testMessagePage(pub: PagePublication, link: 'unsubscribe' | 'preferences'): ReaderPage {
  const what = link === 'unsubscribe' ? 'unsubscribe link' : 'preferences link';
  return readerPage(
    'This was a test message',
    html`<h1>This was a test message</h1>
      <p id="test-message-note">
        This was a test message; this link works in the real issue. In the ${pub.name} issue your readers
        receive, the ${what} is their own${link === 'unsubscribe' ? ': one click unsubscribes them' : ''}.
      </p>
      <p class="muted">Nothing was changed.</p>`,
  );
}

export type TrackingMode = 'off' | 'aggregate' | 'individual';

/** What the preferences page says about link tracking (TRACKING), in the reader's words. */
export const TRACKING_TEXT: Record<TrackingMode, string> = {
  off: 'Link tracking is off: links in our issues go straight to their sites and we record no clicks.',
  aggregate:
    'Link tracking is aggregate: links in our issues pass through our site, which counts clicks per link without recording who clicked.',
  individual:
    'Link tracking is individual: links in our issues pass through our site, which records which links you click; they are part of your data below and erased with it.',
};

const STATUS_TEXT: Record<SubscriberStatus, string> = {
  [SubscriberStatus.Pending]: 'waiting for confirmation',
  [SubscriberStatus.Confirmed]: 'subscribed',
  [SubscriberStatus.Unsubscribed]: 'unsubscribed',
  [SubscriberStatus.Bounced]: 'paused: mail to this address bounced',
  [SubscriberStatus.Complained]: 'unsubscribed (marked as spam)',
};

export function preferencesPage(
  pub: PagePublication,
  opts: {
    token: string;
    email: string | null;
    name: string | null;
    status: SubscriberStatus;
    notice?: string;
    error?: string;
    /** The campaign the preferences link named: carried by the unsubscribe form (issue 15). */
    campaignId?: number | null;
    /** TRACKING: what the service records when the reader clicks a link. */
    tracking?: TrackingMode;
  },
): ReaderPage {
  const subscribed = opts.status === SubscriberStatus.Confirmed;
  const campaign = opts.campaignId
    ? html`<input type="hidden" name="c" value="${String(opts.campaignId)}" />`
    : '';
  const hidden = html`<input type="hidden" name="token" value="${opts.token}" />`;
  return readerPage(
    'Your subscription',
    html`<h1>Your subscription</h1>
      ${notice(opts.notice)}
      <p>
        Address: <strong>${opts.email ?? ''}</strong><br />Status:
        <strong>${STATUS_TEXT[opts.status]}</strong>
      </p>

      <h2>Your name</h2>
      <form class="card" method="post" action="/preferences/name">
        ${alert(opts.error)} ${hidden} ${nameField(opts.name)}
        <button type="submit">Save name</button>
      </form>

      <h2>${subscribed ? 'Unsubscribe' : 'Subscribe again'}</h2>
      ${
        subscribed
          ? html`<form method="post" action="/preferences/unsubscribe">
              ${hidden} ${campaign}
              <p id="unsubscribe-what">
                You stop receiving ${pub.name} at once; your address stays on file as unsubscribed, and you
                can subscribe again from this page.
              </p>
              <button type="submit" class="destructive" aria-describedby="unsubscribe-what">
                Unsubscribe
              </button>
            </form>`
          : mayResubscribeOneClick(opts.status)
            ? html`<form method="post" action="/preferences/resubscribe">
                ${hidden}
                <button type="submit">Resubscribe</button>
              </form>`
            : // A complainer comes back only by a fresh double opt-in (mayResubscribeOneClick).
              html`<p id="resubscribe-by-form">
                You marked our mail as spam, so there is no one-click way back. To receive it again,
                <a href="/">subscribe with the form</a> and confirm with the link we email you.
              </p>`
      }

      <h2>Your data</h2>
      ${opts.tracking ? html`<p id="tracking-mode">${TRACKING_TEXT[opts.tracking]}</p>` : ''}
      <form method="post" action="/preferences/export">
        ${hidden}
        <button type="submit" class="secondary">Download my data (JSON)</button>
      </form>

      <h2>Erase me</h2>
      <form class="card" method="post" action="/preferences/erase">
        ${hidden}
        <p id="erase-what">
          Erasing removes your address, your name and the history of your subscription. We keep only a
          one-way, keyed fingerprint of the address, so that it is not added back by a list import; the
          address cannot be recovered from it. This link and every earlier link stop working.
        </p>
        <label
          ><input type="checkbox" name="confirm" value="yes" required /> I understand this cannot be
          undone</label
        >
        <button type="submit" class="destructive" aria-describedby="erase-what">Erase my data</button>
      </form>`,
  );
}

export function erasedPage(pub: PagePublication): ReaderPage {
  return readerPage(
    'Your data has been erased',
    html`<h1>Your data has been erased</h1>
      <p>
        Your address, your name and the history of your subscription have been deleted, and you will not
        receive ${pub.name} any more.
      </p>
      <p>
        What we keep: a one-way, keyed fingerprint of your address (not the address itself), only so that it
        is not added back by a list import. The links in earlier emails, including the one you used, no longer
        work.
      </p>
      <p class="muted">You can <a href="/">subscribe again</a> at any time.</p>`,
  );
}
