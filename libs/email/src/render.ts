import {
  type EditionContent,
  type Inline,
  inlineRuns,
  isInlineLink,
  issueLabel,
  type LinkSource,
  mastheadHeading,
  perspectivesTitle,
} from '@app/content';
import { render } from '@react-email/render';
import { createElement } from 'react';
import {
  PLACEHOLDERS,
  fillSplit,
  resolveSlotValues,
  splitPlaceholders,
  type PlaceholderKey,
  type PlaceholderValues,
  type SplitTemplate,
} from './placeholders';
import {
  ConfirmSubscriptionEmail,
  confirmationSubject,
  type ConfirmSubscriptionEmailProps,
} from './templates/confirm-subscription.email';
import { EditionEmail } from './templates/edition.email';
import { WelcomeEmail } from './templates/welcome.email';
import type { SenderIdentity } from './templates/layout';

export { PLACEHOLDERS } from './placeholders';

export interface RenderedEmail {
  html: string;
  text: string;
}

export type EditionUrlKey = 'unsubscribeUrl' | 'preferencesUrl' | 'webUrl';

export interface RenderEditionOptions {
  /** 'email' (default): the message, with per-recipient links as placeholders. 'web': the archive page. */
  variant?: 'email' | 'web';
  sender: SenderIdentity;
  /**
   * Values known at render time, used instead of the placeholder tokens (e.g. the archive URL of the issue
   * for webUrl). Anything left out stays a token for personalize() / the MIME template.
   */
  urls?: Partial<Record<EditionUrlKey, string>>;
  /** Public sign-up page, shown by the web variant. */
  subscribeUrl?: string;
  /** The archive's list of issues, linked above the issue by the web variant. */
  archiveUrl?: string;
  /** Inbox preview line; defaults to the headlines. */
  previewText?: string;
  /** A line above the issue (the welcome message's welcome line), plain text. */
  intro?: string;
}

function editionUrls(opts: RenderEditionOptions): Record<EditionUrlKey, string> {
  return {
    unsubscribeUrl: opts.urls?.unsubscribeUrl ?? PLACEHOLDERS.unsubscribeUrl,
    preferencesUrl: opts.urls?.preferencesUrl ?? PLACEHOLDERS.preferencesUrl,
    webUrl: opts.urls?.webUrl ?? PLACEHOLDERS.webUrl,
  };
}

/** The sender's lines closing every plain-text part, as the HTML footer shows them (no empty line). */
export function signature(sender: SenderIdentity): string[] {
  return [sender.name, sender.address, sender.postalAddress ?? ''].filter((line) => line !== '');
}

function rule(title: string): string {
  const line = '='.repeat(Math.max(40, Math.min(72, title.length)));
  return `${line}\n${title}\n${line}`;
}

/**
 * Running text for the plain-text part: each link's words followed by its address in angle brackets,
 * "Reuters <https://…>", where the reader reads them. Plain mail clients make "<https://…>" clickable and
 * the address stays next to the claim it supports; numbered references at the end of a section would make
 * the reader of a long paragraph scroll away and back, and would need numbers the editor never wrote.
 * Bold and italic words are written as words: a plain part has no emphasis, and asterisks around them would
 * read as footnote marks in the clients that do not style them.
 */
export function textInline(value: Inline): string {
  return inlineRuns(value)
    .map((r) =>
      !isInlineLink(r)
        ? typeof r === 'string'
          ? r
          : r.text
        : r.text === r.href
          ? `<${r.href}>`
          : `${r.text} <${r.href}>`,
    )
    .join('');
}

function textSource(source: LinkSource): string {
  return typeof source === 'string' ? source : `${source.name} <${source.url}>`;
}

/**
 * The plain-text part, written by hand so it reads well: every headline, paragraph, link with its sources,
 * analysis and perspective item, the masthead and the footer links as bare URLs. Paragraphs are not
 * hard-wrapped (phones re-flow them).
 */
export function editionText(content: EditionContent, opts: RenderEditionOptions): string {
  const variant = opts.variant ?? 'email';
  const urls = editionUrls(opts);
  const out: string[] = [];
  const label = issueLabel(content.slug);
  if (opts.intro) out.push(opts.intro, '', '-'.repeat(40), '');
  out.push(content.publicationName.toUpperCase(), label, '');
  if (content.description) out.push(content.description, '');
  if (variant === 'email') out.push(`View in browser: ${urls.webUrl}`, '');

  if (content.highlights.length) {
    out.push(rule(content.highlightsTitle), '');
    for (const h of content.highlights) {
      const headline = textInline(h.headline);
      out.push(headline, '-'.repeat(Math.min(72, [...headline].length)), '');
      for (const p of h.paragraphs) out.push(textInline(p), '');
    }
  }
  if (content.links.length) {
    out.push(rule('Links'), '');
    for (const l of content.links)
      out.push(`— ${textInline(l.text)} (${l.sources.map(textSource).join(', ')})`, '');
  }
  for (const [title, items] of [
    ['Recent Analysis', content.analysis],
    [perspectivesTitle(content.publicationName), content.perspectives],
  ] as const) {
    if (!items.length) continue;
    out.push(rule(title), '');
    for (const a of items) out.push(a.url ? `${a.title} <${a.url}>` : a.title, `   ${a.attribution}`, '');
  }
  if (content.masthead.length) {
    out.push(rule(mastheadHeading(content)), '');
    for (const m of content.masthead) out.push(`${m.role}, ${m.name}${m.email ? ` <${m.email}>` : ''}`);
    out.push('');
  }
  out.push('-'.repeat(40));
  if (variant === 'email') {
    out.push(
      `You are receiving ${content.publicationName} because you subscribed to it.`,
      `Unsubscribe: ${urls.unsubscribeUrl}`,
      `Manage preferences: ${urls.preferencesUrl}`,
      `View in browser: ${urls.webUrl}`,
    );
  } else if (opts.subscribeUrl) {
    out.push(`Subscribe to ${content.publicationName}: ${opts.subscribeUrl}`);
  }
  out.push('', ...signature(opts.sender), '');
  return out.join('\n');
}

/**
 * Renders an edition ONCE. In the email variant the per-recipient URLs are PLACEHOLDERS tokens (unless given
 * in opts.urls); splice real values in per recipient with personalize() or compileMimeTemplate().
 */
export async function renderEdition(
  content: EditionContent,
  opts: RenderEditionOptions,
): Promise<RenderedEmail> {
  const variant = opts.variant ?? 'email';
  const urls = editionUrls(opts);
  const element = createElement(EditionEmail, {
    content,
    variant,
    sender: opts.sender,
    issueLabel: issueLabel(content.slug),
    ...(variant === 'email' ? urls : {}),
    ...(opts.subscribeUrl !== undefined ? { subscribeUrl: opts.subscribeUrl } : {}),
    ...(variant === 'web' && opts.archiveUrl !== undefined ? { archiveUrl: opts.archiveUrl } : {}),
    ...(opts.previewText !== undefined ? { previewText: opts.previewText } : {}),
    ...(opts.intro ? { intro: opts.intro } : {}),
  });
  const html = await render(element);
  return { html, text: editionText(content, opts) };
}

export interface RenderConfirmationOptions {
  publicationName: string;
  sender: SenderIdentity;
  /** Defaults to PLACEHOLDERS.confirmUrl (render once, personalize per recipient). */
  confirmUrl?: string;
  recipientEmail?: string;
  expiresInDays?: number;
}

/** The double opt-in message: subject, HTML and plain text. */
export async function renderConfirmation(
  opts: RenderConfirmationOptions,
): Promise<RenderedEmail & { subject: string }> {
  const confirmUrl = opts.confirmUrl ?? PLACEHOLDERS.confirmUrl;
  const days = opts.expiresInDays ?? 7;
  const props: ConfirmSubscriptionEmailProps = {
    publicationName: opts.publicationName,
    confirmUrl,
    sender: opts.sender,
    expiresInDays: days,
    ...(opts.recipientEmail !== undefined ? { recipientEmail: opts.recipientEmail } : {}),
  };
  const html = await render(createElement(ConfirmSubscriptionEmail, props));
  const who = opts.recipientEmail ? ` at ${opts.recipientEmail}` : '';
  const text = [
    confirmationSubject(opts.publicationName),
    '',
    `Please confirm that you want to receive ${opts.publicationName}${who}:`,
    '',
    `Confirm subscription: ${confirmUrl}`,
    '',
    `This link expires in ${days} ${days === 1 ? 'day' : 'days'}.`,
    'If you did not ask to subscribe, ignore this email: you will not be subscribed and will not hear from us again.',
    '',
    '--',
    ...signature(opts.sender),
    '',
  ].join('\n');
  return { subject: confirmationSubject(opts.publicationName), html, text };
}

export interface RenderWelcomeOptions {
  publicationName: string;
  sender: SenderIdentity;
  /** The editor's welcome line; empty: the default line. */
  line: string;
  /** The latest sent issue, shown in full under the line; absent: the short welcome. */
  edition?: EditionContent;
  /** The issue's web version (the "View in browser" link). */
  webUrl?: string;
}

/** The welcome line when the editor has not set one. */
export function defaultWelcomeLine(publicationName: string, withIssue: boolean): string {
  return withIssue
    ? `Welcome to ${publicationName}: your subscription is confirmed. Here is the latest issue.`
    : `Welcome to ${publicationName}: your subscription is confirmed.`;
}

/**
 * The welcome message a reader gets on confirming: the latest sent issue in full under the welcome line, or
 * (before any issue was sent) the line and a short note. The unsubscribe and preferences URLs stay
 * PLACEHOLDERS tokens, filled per recipient like a campaign message's.
 */
export async function renderWelcome(
  opts: RenderWelcomeOptions,
): Promise<RenderedEmail & { subject: string }> {
  const line = opts.line.trim() || defaultWelcomeLine(opts.publicationName, opts.edition !== undefined);
  if (opts.edition) {
    const rendered = await renderEdition(opts.edition, {
      variant: 'email',
      sender: opts.sender,
      intro: line,
      previewText: line,
      ...(opts.webUrl !== undefined ? { urls: { webUrl: opts.webUrl } } : {}),
    });
    return { subject: `Welcome to ${opts.publicationName}: ${opts.edition.subject}`, ...rendered };
  }
  const next = 'The next issue comes to this address as soon as it is out.';
  const html = await render(
    createElement(WelcomeEmail, {
      publicationName: opts.publicationName,
      line,
      next,
      sender: opts.sender,
      unsubscribeUrl: PLACEHOLDERS.unsubscribeUrl,
      preferencesUrl: PLACEHOLDERS.preferencesUrl,
    }),
  );
  const text = [
    opts.publicationName.toUpperCase(),
    '',
    line,
    '',
    next,
    '',
    '-'.repeat(40),
    `You are receiving this because you subscribed to ${opts.publicationName}.`,
    `Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`,
    `Manage preferences: ${PLACEHOLDERS.preferencesUrl}`,
    '',
    ...signature(opts.sender),
    '',
  ].join('\n');
  return { subject: `Welcome to ${opts.publicationName}`, html, text };
}

/** A rendered email pre-split at its placeholders; render() joins it with one recipient's values. */
export interface Personalizer {
  readonly placeholders: readonly PlaceholderKey[];
  render(values: PlaceholderValues): RenderedEmail;
}

/** Splits html and text once; each render() is then a join (values HTML-escaped for the HTML part). */
export function compilePersonalizer(rendered: RenderedEmail): Personalizer {
  const html: SplitTemplate = splitPlaceholders(rendered.html);
  const text: SplitTemplate = splitPlaceholders(rendered.text);
  const placeholders = [...new Set([...html.slots, ...text.slots])];
  return {
    placeholders,
    render(values) {
      return {
        html: fillSplit(html, resolveSlotValues(html.slots, values, 'html')),
        text: fillSplit(text, resolveSlotValues(text.slots, values, 'text')),
      };
    },
  };
}

const personalizers = new WeakMap<RenderedEmail, Personalizer>();

/**
 * Replaces the placeholder tokens with one recipient's values. The split is cached per rendered object, so
 * calling this in a loop over recipients costs one join per call. Throws if a used placeholder has no value.
 */
export function personalize(rendered: RenderedEmail, values: PlaceholderValues): RenderedEmail {
  let p = personalizers.get(rendered);
  if (!p) {
    p = compilePersonalizer(rendered);
    personalizers.set(rendered, p);
  }
  return p.render(values);
}
