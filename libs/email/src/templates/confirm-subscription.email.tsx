import { Button, Heading, Link, Section, Text } from '@react-email/components';
import type { ReactElement } from 'react';
import { EmailLayout, type SenderIdentity } from './layout';
import { s, safeHref } from './theme';

export interface ConfirmSubscriptionEmailProps {
  publicationName: string;
  /** The double opt-in link (a real URL, or PLACEHOLDERS.confirmUrl when rendered once for many). */
  confirmUrl: string;
  sender: SenderIdentity;
  /** Shown so the reader knows which address is being subscribed. */
  recipientEmail?: string;
  /** Link lifetime; 7 days by default. */
  expiresInDays?: number;
}

export function confirmationSubject(publicationName: string): string {
  return `Confirm your subscription to ${publicationName}`;
}

export function ConfirmSubscriptionEmail(props: ConfirmSubscriptionEmailProps): ReactElement {
  const { publicationName, sender } = props;
  const days = props.expiresInDays ?? 7;
  const href = safeHref(props.confirmUrl);
  const who = props.recipientEmail ? ` at ${props.recipientEmail}` : '';
  return (
    <EmailLayout
      title={confirmationSubject(publicationName)}
      preview={`One click to start receiving ${publicationName}.`}
      sender={sender}
    >
      <Section className="cc-pad" style={s.pad}>
        <Heading as="h1" className="cc-fg cc-h1" style={{ ...s.mast, fontSize: '30px', lineHeight: '36px' }}>
          {publicationName}
        </Heading>
        <Text className="cc-fg" style={s.para}>
          {`Please confirm that you want to receive ${publicationName}${who}.`}
        </Text>
        <Section style={{ padding: '8px 0 18px' }}>
          <Button className="cc-button" href={href} style={s.button}>
            Confirm subscription
          </Button>
        </Section>
        <Text className="cc-muted" style={s.footerText}>
          {`This link expires in ${days} ${days === 1 ? 'day' : 'days'}. If the button does not work, copy this address into your browser: `}
          <Link className="cc-accent" href={href} style={{ ...s.link, wordBreak: 'break-all' }}>
            {props.confirmUrl}
          </Link>
        </Text>
        <Text className="cc-muted" style={s.footerText}>
          If you did not ask to subscribe, ignore this email: you will not be subscribed and will not hear
          from us again.
        </Text>
      </Section>
    </EmailLayout>
  );
}

export default ConfirmSubscriptionEmail;
