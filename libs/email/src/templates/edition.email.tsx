import {
  type AttributedItem,
  type EditionContent,
  type Inline,
  inlineText,
  type LinkSource,
  mastheadHeading,
  perspectivesTitle,
} from '@app/content';
import { Heading, Hr, Link, Section, Text } from '@react-email/components';
import { Fragment, type ReactElement, type ReactNode } from 'react';
import { EmailLayout, type SenderIdentity } from './layout';
import { mailtoHref, s, safeHref } from './theme';

export interface EditionEmailProps {
  content: EditionContent;
  /** 'email': the sent message, with personal links. 'web': the public archive page, no personal links. */
  variant: 'email' | 'web';
  sender: SenderIdentity;
  /** Per-recipient links (normally placeholder tokens, see PLACEHOLDERS). Used by the email variant. */
  unsubscribeUrl?: string;
  preferencesUrl?: string;
  webUrl?: string;
  /** Public sign-up page; shown by the web variant. */
  subscribeUrl?: string;
  /** The archive's list of issues; the web variant links back to it above the issue. */
  archiveUrl?: string;
  /** "April 2025"; derived from the slug when omitted. */
  issueLabel: string;
  /** Inbox preview line; defaults to the first headlines. */
  previewText?: string;
  /** A line above the issue (the welcome message's welcome line). */
  intro?: string;
}

/** A piece of running text to render: plain text, or words with a link and/or emphasis. */
type Part = string | { text: string; href?: string; strong?: boolean; em?: boolean };

/** Words wrapped in <strong> and <em> as marked (inside a link, so the underline covers them). */
function emphasised(p: Exclude<Part, string>, key: number): ReactNode {
  let node: ReactNode = p.text;
  if (p.em) node = <em key={`e${key}`}>{node}</em>;
  if (p.strong) node = <strong key={`s${key}`}>{node}</strong>;
  return node;
}

/**
 * Nodes with adjacent texts joined into one string, so React writes no "<!-- -->" between text nodes: text
 * without links or emphasis renders exactly as it did before they existed.
 */
function joined(parts: Part[]): ReactNode[] {
  const out: (string | ReactElement)[] = [];
  parts.forEach((p, i) => {
    const last = out[out.length - 1];
    if (typeof p === 'string') {
      if (typeof last === 'string') out[out.length - 1] = last + p;
      else out.push(p);
    } else if (p.href !== undefined) {
      // A link in the accent colour, underlined; React escapes the words and the address.
      out.push(
        <Link key={i} className="cc-accent" href={safeHref(p.href)} style={s.link}>
          {emphasised(p, i)}
        </Link>,
      );
    } else {
      out.push(<Fragment key={i}>{emphasised(p, i)}</Fragment>);
    }
  });
  return out.map((n, i) => (typeof n === 'string' ? <Fragment key={`t${i}`}>{n}</Fragment> : n));
}

/**
 * Running text, with `before` and `after` added to its first and last texts: texts as text, links as
 * underlined links in the accent colour. safeHref keeps anything but http(s) out even if stored content held it.
 */
export function InlineText({
  value,
  before = '',
  after = '',
}: {
  value: Inline;
  before?: string;
  after?: string;
}): ReactElement {
  if (typeof value === 'string') return <>{`${before}${value}${after}`}</>;
  return <>{joined([before, ...value, after])}</>;
}

/** "(Reuters, TASS)" with each linked source a link. */
function Sources({ sources }: { sources: LinkSource[] }): ReactElement {
  const parts: Part[] = ['('];
  sources.forEach((src, i) => {
    if (i > 0) parts.push(', ');
    parts.push(typeof src === 'string' ? src : { text: src.name, href: src.url });
  });
  parts.push(')');
  return (
    <span className="cc-muted" style={s.sources}>
      {joined(parts)}
    </span>
  );
}

function Attributed({ items, title }: { items: AttributedItem[]; title: string }): ReactElement | null {
  if (!items.length) return null;
  return (
    <Section className="cc-pad" style={s.pad}>
      <Hr className="cc-rule" style={s.hr} />
      <Heading as="h2" className="cc-accent" style={s.sectionTitle}>
        {title}
      </Heading>
      {items.map((a, i) => (
        <Text key={i} className="cc-fg" style={s.item}>
          {a.url !== undefined ? (
            <Link className="cc-accent" href={safeHref(a.url)} style={{ ...s.itemTitle, ...s.link }}>
              {a.title}
            </Link>
          ) : (
            <span className="cc-fg" style={s.itemTitle}>
              {a.title}
            </span>
          )}
          <br />
          <span className="cc-muted" style={s.attribution}>
            {a.attribution}
          </span>
        </Text>
      ))}
    </Section>
  );
}

export function EditionEmail(props: EditionEmailProps): ReactElement {
  const { content, variant, sender, issueLabel } = props;
  const isEmail = variant === 'email';
  const preview =
    props.previewText ??
    (content.highlights.length
      ? content.highlights.map((h) => inlineText(h.headline)).join(' · ')
      : content.description);
  const notice = isEmail ? (
    <Text className="cc-muted" style={s.footerText}>
      {`You are receiving ${content.publicationName} because you subscribed to it. `}
      <Link className="cc-accent" href={safeHref(props.unsubscribeUrl)} style={s.link}>
        Unsubscribe
      </Link>
      {' · '}
      <Link className="cc-accent" href={safeHref(props.preferencesUrl)} style={s.link}>
        Manage preferences
      </Link>
      {' · '}
      <Link className="cc-accent" href={safeHref(props.webUrl)} style={s.link}>
        View in browser
      </Link>
    </Text>
  ) : props.subscribeUrl ? (
    <Text className="cc-muted" style={s.footerText}>
      {`Get ${content.publicationName} in your inbox every month: `}
      <Link className="cc-accent" href={safeHref(props.subscribeUrl)} style={s.link}>
        {`Subscribe to ${content.publicationName}`}
      </Link>
    </Text>
  ) : null;

  return (
    <EmailLayout
      title={content.subject}
      preview={preview.length > 140 ? `${preview.slice(0, 137)}...` : preview}
      sender={sender}
      notice={notice}
      landmark={!isEmail}
    >
      {!isEmail && props.archiveUrl ? (
        <Section className="cc-pad" style={s.topbar}>
          <Text className="cc-muted" style={s.small}>
            <Link className="cc-accent" href={safeHref(props.archiveUrl)} style={s.link}>
              {`← All issues of ${content.publicationName}`}
            </Link>
          </Text>
        </Section>
      ) : null}
      {isEmail ? (
        <Section className="cc-pad" style={s.topbar}>
          <Text className="cc-muted" style={{ ...s.small, textAlign: 'right' }}>
            <Link
              className="cc-muted"
              href={safeHref(props.webUrl)}
              style={{ ...s.link, color: s.small.color }}
            >
              View in browser
            </Link>
          </Text>
        </Section>
      ) : null}

      {props.intro ? (
        <Section className="cc-pad" style={s.pad}>
          <Text className="cc-fg cc-intro" style={s.para}>
            {props.intro}
          </Text>
          <Hr className="cc-rule" style={s.hr} />
        </Section>
      ) : null}

      <Section className="cc-pad" style={s.pad}>
        <Heading as="h1" className="cc-fg cc-h1" style={s.mast}>
          {content.publicationName}
        </Heading>
        <Text className="cc-accent" style={s.issue}>
          {issueLabel}
        </Text>
        {content.description ? (
          <Text className="cc-muted" style={s.description}>
            {content.description}
          </Text>
        ) : null}
      </Section>

      {content.highlights.length ? (
        <Section className="cc-pad" style={s.pad}>
          <Hr className="cc-rule" style={s.hr} />
          <Heading as="h2" className="cc-accent" style={s.sectionTitle}>
            {content.highlightsTitle}
          </Heading>
          {content.highlights.map((h, i) => (
            <Section key={i}>
              <Heading as="h3" className="cc-fg cc-h3" style={s.headline}>
                <InlineText value={h.headline} />
              </Heading>
              {h.paragraphs.map((p, j) => (
                <Text key={j} className="cc-fg" style={s.para}>
                  <InlineText value={p} />
                </Text>
              ))}
            </Section>
          ))}
        </Section>
      ) : null}

      {content.links.length ? (
        <Section className="cc-pad" style={s.pad}>
          <Hr className="cc-rule" style={s.hr} />
          <Heading as="h2" className="cc-accent" style={s.sectionTitle}>
            Links
          </Heading>
          {content.links.map((l, i) => (
            <Text key={i} className="cc-fg" style={s.item}>
              <span className="cc-accent" style={s.dash}>
                —
              </span>
              <InlineText value={l.text} before=" " after=" " />
              <Sources sources={l.sources} />
            </Text>
          ))}
        </Section>
      ) : null}

      <Attributed items={content.analysis} title="Recent Analysis" />
      <Attributed items={content.perspectives} title={perspectivesTitle(content.publicationName)} />

      {content.masthead.length ? (
        <Section className="cc-pad" style={s.pad}>
          <Hr className="cc-rule" style={s.hr} />
          <Heading as="h2" className="cc-accent" style={s.sectionTitle}>
            {mastheadHeading(content)}
          </Heading>
          {content.masthead.map((m, i) => {
            const href = m.email ? mailtoHref(m.email) : undefined;
            return (
              <Text key={i} className="cc-fg" style={s.masthead}>
                {`${m.role}, `}
                <strong>{m.name}</strong>
                {m.email && href ? ' · ' : null}
                {m.email && href ? (
                  <Link className="cc-accent" href={href} style={s.link}>
                    {m.email}
                  </Link>
                ) : null}
                {m.email && !href ? ` · ${m.email}` : null}
              </Text>
            );
          })}
        </Section>
      ) : null}
    </EmailLayout>
  );
}

export default EditionEmail;
