import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The inbound mail fixtures: messages in the shapes Postfix, Exim, qmail, Microsoft 365, Gmail and Yahoo send. */
export const INBOUND_FIXTURES = join(__dirname, '../fixtures/inbound');

/**
 * What a fixture's placeholders stand for: {{VERP}} (our bounces+ address of the delivery), {{MESSAGE_ID}}
 * (its Message-ID, angle brackets included), {{RCPT}} (the reader's address), {{BOUNCE_DOMAIN}},
 * {{UNSUBSCRIBE}} (the reader's unsubscribe+ address), {{FEEDBACK_ADDRESS}} (where feedback loops report),
 * {{RCPT_LOCAL}}, {{NONCE}}.
 */
export type InboundFixtureVars = Partial<
  Record<
    | 'VERP'
    | 'MESSAGE_ID'
    | 'RCPT'
    | 'RCPT_LOCAL'
    | 'BOUNCE_DOMAIN'
    | 'UNSUBSCRIBE'
    | 'FEEDBACK_ADDRESS'
    | 'NONCE',
    string
  >
>;

/**
 * A fixture with its placeholders filled and CRLF line ends (as SMTP carries it). A placeholder the test
 * did not fill is an error, so a fixture never reaches a parser with `{{...}}` in it by mistake.
 */
export function inboundFixture(name: string, vars: InboundFixtureVars): Buffer {
  const text = readFileSync(join(INBOUND_FIXTURES, name), 'latin1');
  const filled = text.replace(/\{\{([A-Z_]{1,20})\}\}/g, (m: string, key: string) => {
    const v = vars[key as keyof InboundFixtureVars];
    if (v === undefined) throw new Error(`${name}: no value for ${m}`);
    return v;
  });
  return Buffer.from(filled.replace(/\r?\n/g, '\r\n'), 'latin1');
}
