import { Body, Container, Head, Hr, Html, Preview, Section, Text } from '@react-email/components';
import type { ReactElement, ReactNode } from 'react';
import { headCss, s } from './theme';

/** Who sends the newsletter; shown in every footer (name plus postal address or other identity line). */
export interface SenderIdentity {
  /** The publication's name, e.g. "CRANK Call" (it comes from the publication row). */
  name: string;
  /**
   * SENDER_IDENTITY, e.g. "1025 Connecticut Ave NW, Suite 1200, Washington, DC 20036". Empty when the
   * deployment has not set one: the footer then shows the name alone.
   */
  address: string;
  /**
   * SENDER_ADDRESS: the sender's physical postal address (CAN-SPAM requires it in every commercial message,
   * Gmail expects it from bulk senders), shown on its own line under the identity. Empty or absent: no line.
   */
  postalAddress?: string;
}

export interface EmailLayoutProps {
  /** The document title (the subject line). */
  title: string;
  /** The inbox preview line, already cut to length. */
  preview: string;
  sender: SenderIdentity;
  /** The message's own footer text (links, why the reader gets it), shown above the sender's identity. */
  notice?: ReactNode;
  /** The message body: sections of the card, between the top border and the footer. */
  children: ReactNode;
  /** A web page rather than a message: the card is the page's `main` landmark. */
  landmark?: boolean;
}

/**
 * The frame every email of the service shares: the head (viewport, light/dark colour schemes, the theme's
 * CSS), the preview line, the page and the card, and the footer (a rule, the message's notice and who sends
 * it). A template supplies only what is its own.
 */
export function EmailLayout({
  title,
  preview,
  sender,
  notice,
  children,
  landmark,
}: EmailLayoutProps): ReactElement {
  const card = (
    <Container className="cc-card" style={s.container}>
      {children}
      <Section className="cc-pad" style={s.pad}>
        <Hr className="cc-rule" style={s.hr} />
      </Section>
      <Section className="cc-pad" style={s.footer}>
        {notice}
        <Text className="cc-muted" style={s.footerText}>
          <strong>{sender.name}</strong>
          {sender.address ? <br /> : null}
          {sender.address || null}
          {sender.postalAddress ? <br /> : null}
          {sender.postalAddress ? <span className="cc-postal">{sender.postalAddress}</span> : null}
        </Text>
      </Section>
    </Container>
  );
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{title}</title>
        <style>{headCss}</style>
      </Head>
      <Preview>{preview}</Preview>
      <Body className="cc-page" style={s.body}>
        {landmark ? <main>{card}</main> : card}
      </Body>
    </Html>
  );
}
