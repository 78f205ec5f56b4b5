import { Heading, Link, Section, Text } from '@react-email/components';
import type { ReactElement } from 'react';
import { EmailLayout, type SenderIdentity } from './layout';
import { s, safeHref } from './theme';

export interface WelcomeEmailProps {
  publicationName: string;
  /** The editor's welcome line (or the default one). */
  line: string;
  /** What follows the line when no issue has been sent yet. */
  next: string;
  sender: SenderIdentity;
  /** Per-recipient links (placeholder tokens when rendered once for many, see PLACEHOLDERS). */
  unsubscribeUrl: string;
  preferencesUrl: string;
}

/** The short welcome a reader gets on confirming before any issue has been sent. */
export function WelcomeEmail(props: WelcomeEmailProps): ReactElement {
  const { publicationName, sender } = props;
  const notice = (
    <Text className="cc-muted" style={s.footerText}>
      {`You are receiving this because you subscribed to ${publicationName}. `}
      <Link className="cc-accent" href={safeHref(props.unsubscribeUrl)} style={s.link}>
        Unsubscribe
      </Link>
      {' · '}
      <Link className="cc-accent" href={safeHref(props.preferencesUrl)} style={s.link}>
        Manage preferences
      </Link>
    </Text>
  );
  return (
    <EmailLayout title={`Welcome to ${publicationName}`} preview={props.line} sender={sender} notice={notice}>
      <Section className="cc-pad" style={s.pad}>
        <Heading as="h1" className="cc-fg cc-h1" style={{ ...s.mast, fontSize: '30px', lineHeight: '36px' }}>
          {publicationName}
        </Heading>
        <Text className="cc-fg cc-intro" style={s.para}>
          {props.line}
        </Text>
        <Text className="cc-fg" style={s.para}>
          {props.next}
        </Text>
      </Section>
    </EmailLayout>
  );
}

export default WelcomeEmail;
