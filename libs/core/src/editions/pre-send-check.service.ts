import { isIP } from 'node:net';
import { AppConfig } from '@app/config';
import { type ContentLink, contentLinks, type EditionContent } from '@app/content';
import type { EditionStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { CampaignEditionRepository } from '../campaigns/campaign-edition.repository';
import { CampaignMessageFactory, parseMailFrom } from '../campaigns/campaign-message.factory';
import { CampaignRepository } from '../campaigns/campaign.repository';
import { NotFoundError } from '../common/domain.errors';
import { SubscriberSearchRepository } from '../subscriptions/subscriber-search.repository';

/** Gmail hides everything after the first 102 kB of a message's HTML behind "[Message clipped]". */
export const GMAIL_CLIP_BYTES = 102 * 1024;
/** Above this share of the clip limit the check warns: a few more links or a longer month tips it over. */
const CLIP_WARN_RATIO = 0.9;
/** RFC 5322's recommended line length; longer subjects are cut short in most inbox lists. */
export const SUBJECT_WARN_LENGTH = 78;
/** Stands for a reader: the token signed for it has the length and shape of a real one. */
const SAMPLE_SUBSCRIBER_UID = '00000000-0000-4000-8000-000000000000';
/** Stands for a subscriber and delivery id: VERP tokens need one (a real one's length, not its identity). */
const SAMPLE_ID = 1_000_000;

export type CheckOutcome = true | false | 'warn';

export interface PreSendCheckItem {
  /** Stable identifier, e.g. `html-size` (pages and tests key on it). */
  id: string;
  label: string;
  ok: CheckOutcome;
  detail: string;
}

/** One link of the edition's content, as the check saw it. */
export interface CheckedLink extends ContentLink {
  /** The host name, lowercased ("" if the address cannot be read). */
  host: string;
  /** Why this link must not go out (plain http:, a private-network host...), or null. */
  problem: string | null;
}

export interface PreSendCheck {
  editionId: number;
  status: EditionStatus;
  subject: string;
  /** Confirmed subscribers now: who a campaign started at this moment would be written for. */
  recipients: number;
  /** Bytes of the HTML part one reader gets (decoded), or null if the message could not be built. */
  htmlBytes: number | null;
  /** Bytes of the whole raw message one reader gets, or null if it could not be built. */
  messageBytes: number | null;
  /** The edition's campaign, if it already has one (an edition is sent once). */
  campaign: { id: number; status: string } | null;
  /** No check failed (warnings allowed). */
  ok: boolean;
  items: PreSendCheckItem[];
  /** Every link in the edition's text (not the footer's own links), in reading order. */
  links: CheckedLink[];
}

interface ParsedMessage {
  headers: Map<string, string[]>;
  parts: { contentType: string; body: string }[];
}

/**
 * The editor's last look before sending: builds the message exactly as a campaign would (the same
 * CampaignMessageFactory, headers, encoding and per-reader links, for a sample reader) and checks what
 * mailbox providers and readers will see. Read-only; touches no subscriber.
 */
@Injectable()
export class PreSendCheckService {
  constructor(
    private readonly config: AppConfig,
    private readonly messages: CampaignMessageFactory,
    private readonly campaignEditions: CampaignEditionRepository,
    private readonly campaigns: CampaignRepository,
    private readonly subscribers: SubscriberSearchRepository,
  ) {}

  /** Confirmed subscribers: the same criterion the campaign fan-out writes deliveries for. */
  confirmedRecipients(): Promise<number> {
    return this.subscribers.countConfirmed();
  }

  async check(editionId: number): Promise<PreSendCheck> {
    const edition = await this.campaignEditions.findForSend(editionId);
    if (!edition) throw new NotFoundError(`Edition ${editionId} does not exist`);
    // An edition has at most one campaign (campaign.edition_id is unique).
    const campaign = await this.campaigns.findForEdition(editionId);
    const recipients = await this.confirmedRecipients();

    const items: PreSendCheckItem[] = [];
    let raw: Buffer | null = null;
    let buildError: string | null = null;
    try {
      const message = await this.messages.compileEdition(0, edition);
      const host = new URL(this.config.env.PUBLIC_URL).hostname || 'localhost';
      raw = message.build({
        email: 'reader@example.invalid',
        subscriberId: SAMPLE_ID,
        subscriberUid: SAMPLE_SUBSCRIBER_UID,
        deliveryId: SAMPLE_ID,
        messageId: `<pre-send-check.${editionId}@${host}>`,
      });
    } catch (err) {
      buildError = (err as Error).message;
    }

    if (!raw) {
      items.push({
        id: 'build',
        label: 'Message can be built',
        ok: false,
        detail: `The edition cannot be turned into an email: ${buildError ?? 'unknown error'}`,
      });
    }
    const parsed = raw ? parseRawMessage(raw) : null;
    const htmlPart = parsed?.parts.find((p) => p.contentType === 'text/html')?.body;
    const textPart = parsed?.parts.find((p) => p.contentType === 'text/plain')?.body;
    const htmlBytes = htmlPart === undefined ? null : Buffer.byteLength(htmlPart, 'utf8');

    if (parsed) {
      items.push(this.htmlSizeItem(htmlBytes));
      items.push(this.textPartItem(textPart));
      items.push(this.listUnsubscribeItem(parsed.headers));
    }
    items.push(this.dkimItem());
    if (parsed) items.push(this.linksItem(htmlPart ?? ''));
    const links = checkContentLinks(edition.content);
    items.push(contentLinksItem(links));
    items.push(this.subjectItem(edition.subject));
    items.push({
      id: 'recipients',
      label: 'Confirmed recipients',
      ok: recipients > 0 ? true : false,
      detail:
        recipients > 0
          ? `${recipients} confirmed subscriber${recipients === 1 ? '' : 's'} would receive it`
          : 'No confirmed subscriber: nobody would receive it',
    });
    items.push(this.senderItem());
    items.push(this.postalAddressItem());

    return {
      editionId: edition.id,
      status: edition.status,
      subject: edition.subject,
      recipients,
      htmlBytes,
      messageBytes: raw?.length ?? null,
      campaign: campaign ? { id: campaign.id, status: campaign.status } : null,
      ok: items.every((i) => i.ok !== false),
      items,
      links,
    };
  }

  private htmlSizeItem(bytes: number | null): PreSendCheckItem {
    const label = "HTML size vs Gmail's 102 kB clip";
    if (bytes === null) return { id: 'html-size', label, ok: false, detail: 'The message has no HTML part' };
    const kb = (bytes / 1024).toFixed(1);
    const ok: CheckOutcome =
      bytes > GMAIL_CLIP_BYTES ? false : bytes > GMAIL_CLIP_BYTES * CLIP_WARN_RATIO ? 'warn' : true;
    const detail =
      ok === false
        ? `${kb} kB of HTML: Gmail will clip it after 102 kB and hide the rest (and the unsubscribe link)`
        : ok === 'warn'
          ? `${kb} kB of HTML: close to Gmail's 102 kB clip`
          : `${kb} kB of HTML (${Math.round((bytes / GMAIL_CLIP_BYTES) * 100)}% of Gmail's 102 kB clip)`;
    return { id: 'html-size', label, ok, detail };
  }

  private textPartItem(text: string | undefined): PreSendCheckItem {
    const label = 'Plain-text part';
    if (text === undefined)
      return { id: 'text-part', label, ok: false, detail: 'The message has no text part' };
    const chars = text.trim().length;
    return chars > 0
      ? { id: 'text-part', label, ok: true, detail: `Present, ${chars} characters` }
      : { id: 'text-part', label, ok: false, detail: 'The text part is empty' };
  }

  private listUnsubscribeItem(headers: Map<string, string[]>): PreSendCheckItem {
    const label = 'List-Unsubscribe and List-Unsubscribe-Post (one-click, https)';
    const lu = headers.get('list-unsubscribe')?.[0];
    const post = headers.get('list-unsubscribe-post')?.[0];
    const problems: string[] = [];
    const urls = lu ? angleBracketed(lu) : [];
    const web = urls.find((u) => /^https?:/i.test(u));
    if (!lu) problems.push('List-Unsubscribe header missing');
    else if (!web) problems.push('List-Unsubscribe has no web (https) URL');
    else if (!/^https:\/\//i.test(web))
      problems.push(`List-Unsubscribe URL is not https (PUBLIC_URL is ${this.config.env.PUBLIC_URL})`);
    if (post?.trim() !== 'List-Unsubscribe=One-Click') {
      problems.push(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click missing (RFC 8058 needs an https PUBLIC_URL)',
      );
    }
    if (problems.length) return { id: 'list-unsubscribe', label, ok: false, detail: problems.join('; ') };
    const mailto = urls.find((u) => u.startsWith('mailto:'));
    const domain = this.config.bounceDomain;
    const mailtoNote = mailto
      ? ` and a mailto: address (unsubscribe+…@${domain}, answered by the inbound server)`
      : '';
    if (mailto && !mailto.toLowerCase().startsWith(`mailto:unsubscribe+`)) {
      return {
        id: 'list-unsubscribe',
        label,
        ok: 'warn',
        detail: `The mailto: address ${mailto} is not a reader's unsubscribe+…@${domain} address`,
      };
    }
    return {
      id: 'list-unsubscribe',
      label,
      ok: true,
      detail: `One-click unsubscribe to ${new URL(web!).origin}${mailtoNote}`,
    };
  }

  private dkimItem(): PreSendCheckItem {
    const dkim = this.config.dkim;
    return dkim
      ? {
          id: 'dkim',
          label: 'DKIM signing',
          ok: true,
          detail: `Signed for ${dkim.domainName} with selector ${dkim.keySelector}`,
        }
      : {
          id: 'dkim',
          label: 'DKIM signing',
          ok: 'warn',
          detail:
            'DKIM is not configured (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY): messages leave unsigned ' +
            'unless the SMTP relay signs them, and Gmail and Yahoo require DKIM from bulk senders',
        };
  }

  private linksItem(htmlBody: string): PreSendCheckItem {
    const label = 'All links absolute (https, http or mailto)';
    const targets = linkTargets(htmlBody);
    const bad = targets.filter((t) => !/^(https?:\/\/[^\s/]+|mailto:\S+@)/i.test(t));
    const plainHttp = targets.filter((t) => /^http:\/\//i.test(t));
    const uniq = (xs: string[]) => [...new Set(xs)];
    if (bad.length) {
      const shown = uniq(bad)
        .slice(0, 5)
        .map((t) => (t === '' ? '(empty)' : t.length > 80 ? `${t.slice(0, 77)}...` : t));
      return {
        id: 'links',
        label,
        ok: false,
        detail: `${bad.length} of ${targets.length} links are not absolute: ${shown.join(', ')}`,
      };
    }
    if (plainHttp.length) {
      return {
        id: 'links',
        label,
        ok: 'warn',
        detail: `${plainHttp.length} of ${targets.length} links use plain http: ${uniq(plainHttp).slice(0, 3).join(', ')}`,
      };
    }
    return { id: 'links', label, ok: true, detail: `${targets.length} links, all absolute` };
  }

  private subjectItem(subject: string): PreSendCheckItem {
    const label = 'Subject length';
    const n = [...subject.trim()].length;
    if (n === 0) return { id: 'subject', label, ok: false, detail: 'The subject is empty' };
    if (n > SUBJECT_WARN_LENGTH) {
      return {
        id: 'subject',
        label,
        ok: 'warn',
        detail: `${n} characters: inboxes cut subjects longer than about ${SUBJECT_WARN_LENGTH}`,
      };
    }
    return { id: 'subject', label, ok: true, detail: `${n} characters` };
  }

  private postalAddressItem(): PreSendCheckItem {
    return postalAddressOutcome(this.config.env.SENDER_ADDRESS, this.config.env.NODE_ENV);
  }

  private senderItem(): PreSendCheckItem {
    const label = 'Sender address';
    let from: { name: string; address: string };
    try {
      from = parseMailFrom(this.config.env.MAIL_FROM);
    } catch (err) {
      return { id: 'sender', label, ok: false, detail: (err as Error).message };
    }
    const domain = from.address.split('@')[1] ?? '';
    const shown = from.name ? `${from.name} <${from.address}>` : from.address;
    if (!domain.includes('.') || /(^|\.)localhost$/i.test(domain)) {
      return {
        id: 'sender',
        label,
        ok: false,
        detail: `MAIL_FROM is ${shown}: set it to an address of a domain you send from`,
      };
    }
    return { id: 'sender', label, ok: true, detail: `From: ${shown}` };
  }
}

/** The pre-send check's item for SENDER_ADDRESS (exported for the unit test). */
export function postalAddressOutcome(senderAddress: string, nodeEnv: string): PreSendCheckItem {
  const label = 'Postal address in the footer (SENDER_ADDRESS)';
  if (senderAddress.trim()) {
    return { id: 'postal-address', label, ok: true, detail: `Every footer shows: ${senderAddress.trim()}` };
  }
  const detail =
    'SENDER_ADDRESS is not set: CAN-SPAM requires the sender’s physical postal address in every commercial ' +
    'message, and Gmail expects it from bulk senders';
  return { id: 'postal-address', label, ok: nodeEnv === 'production' ? false : 'warn', detail };
}

// ---- The edition's own links (issue 14) -------------------------------------------------------------------

/** The first number of a dotted IPv4 address and the second, or null. */
function ipv4Octets(host: string): number[] | null {
  if (isIP(host) !== 4) return null;
  return host.split('.').map(Number);
}

/**
 * Why `host` (a URL's hostname, as new URL() normalises it: lowercase, IPv4 in dotted form, IPv6 in brackets)
 * is not on the public internet, or null: loopback, private, link-local and unspecified addresses,
 * "localhost", ".local" (mDNS), ".localhost", ".internal" and single-label names (an intranet's).
 */
export function privateHostProblem(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  const v4 = ipv4Octets(h);
  if (v4) {
    const [a, b] = v4 as [number, number];
    if (a === 127) return 'a loopback address (this computer)';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
      return 'a private-network address';
    if (a === 169 && b === 254) return 'a link-local address';
    if (a === 0) return 'an unspecified address';
    return null;
  }
  if (h.startsWith('[') && h.endsWith(']')) {
    const v6 = h.slice(1, -1);
    if (v6 === '::1') return 'a loopback address (this computer)';
    if (v6 === '::') return 'an unspecified address';
    if (/^f[cd][0-9a-f]{0,2}:/.test(v6)) return 'a private-network address';
    if (/^fe[89ab][0-9a-f]?:/.test(v6)) return 'a link-local address';
    if (v6.startsWith('::ffff:')) {
      const mapped = v6.slice(7);
      return isIP(mapped) === 4 ? privateHostProblem(mapped) : null;
    }
    return null;
  }
  if (h === 'localhost' || h.endsWith('.localhost')) return 'a loopback address (localhost)';
  if (h.endsWith('.local')) return 'a local-network name (.local)';
  if (h.endsWith('.internal')) return 'an internal name (.internal)';
  if (!h.includes('.')) return 'a host name without a domain (an intranet name)';
  return null;
}

/** Each link of the content with its host and what is wrong with it for readers. */
export function checkContentLinks(content: EditionContent): CheckedLink[] {
  return contentLinks(content).map((link) => {
    let url: URL | null;
    try {
      url = new URL(link.href);
    } catch {
      url = null;
    }
    if (!url) return { ...link, host: '', problem: 'the address cannot be read' };
    const host = url.hostname.toLowerCase();
    const privateHost = privateHostProblem(host);
    const problem = privateHost
      ? `${privateHost}: readers cannot open it`
      : url.protocol === 'http:'
        ? 'plain http: (not encrypted; browsers warn, and the page can be altered on the way): use https:'
        : url.protocol !== 'https:'
          ? `not a web link (${url.protocol})`
          : null;
    return { ...link, host, problem };
  });
}

/** The check item listing the edition's links: how many, to which sites; fails on any with a problem. */
export function contentLinksItem(links: CheckedLink[]): PreSendCheckItem {
  const label = 'Links in the issue (https, public hosts)';
  if (links.length === 0) {
    return { id: 'content-links', label, ok: true, detail: 'The issue’s text has no links' };
  }
  const perHost = new Map<string, number>();
  for (const l of links) perHost.set(l.host, (perHost.get(l.host) ?? 0) + 1);
  const sites = [...perHost.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([host, n]) => `${host || '(unreadable)'} (${n})`)
    .join(', ');
  const count = `${links.length} link${links.length === 1 ? '' : 's'} to ${perHost.size} site${perHost.size === 1 ? '' : 's'}: ${sites}`;
  const bad = links.filter((l) => l.problem !== null);
  if (bad.length === 0) return { id: 'content-links', label, ok: true, detail: count };
  const shown = bad
    .slice(0, 5)
    .map((l) => `${l.href.length > 80 ? `${l.href.slice(0, 77)}...` : l.href} (${l.field}): ${l.problem}`);
  const more = bad.length > 5 ? `; and ${bad.length - 5} more` : '';
  return {
    id: 'content-links',
    label,
    ok: false,
    detail: `${bad.length} of ${links.length} link${links.length === 1 ? '' : 's'} cannot go out: ${shown.join('; ')}${more}. ${count}`,
  };
}

/**
 * The "<...>" parts of a header such as List-Unsubscribe, as /<([^>]*)>/g finds them, by indexOf: that
 * pattern restarts at every "<" of a run without a ">" and rescans the rest (quadratic).
 */
export function angleBracketed(header: string): string[] {
  const out: string[] = [];
  for (let from = 0; ;) {
    const open = header.indexOf('<', from);
    const close = open < 0 ? -1 : header.indexOf('>', open + 1);
    if (close < 0) return out;
    out.push(header.slice(open + 1, close));
    from = close + 1;
  }
}

/** The href and src values of an HTML document, entities decoded, trimmed. */
export function linkTargets(html: string): string[] {
  return [...html.matchAll(/\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) =>
    decodeEntities((m[2] ?? m[3] ?? '').trim()),
  );
}

/** The few HTML entities an href can hold after React Email's escaping. */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

function qpDecode(body: string): string {
  const bytes = Buffer.from(body.replace(/=\r?\n/g, ''), 'latin1');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x3d && i + 2 < bytes.length) {
      const hex = bytes.toString('latin1', i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(b);
  }
  return Buffer.from(out).toString('utf8');
}

function parseHeaderBlock(block: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/**
 * Reads back the multipart/alternative message the MIME template wrote (CRLF, quoted-printable parts), so
 * the check looks at the bytes a reader gets rather than at what we meant to write.
 */
export function parseRawMessage(raw: Buffer): ParsedMessage {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headers = parseHeaderBlock(end >= 0 ? text.slice(0, end) : text);
  const body = end >= 0 ? text.slice(end + 4) : '';
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type')?.[0] ?? '')?.[1];
  const parts: ParsedMessage['parts'] = [];
  if (!boundary) return { headers, parts };
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const partText = chunk.replace(/^\r\n/, '');
    const sep = partText.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const ph = parseHeaderBlock(partText.slice(0, sep));
    const contentType = (ph.get('content-type')?.[0] ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    let partBody = partText.slice(sep + 4).replace(/\r\n$/, '');
    const encoding = ph.get('content-transfer-encoding')?.[0]?.toLowerCase();
    partBody =
      encoding === 'quoted-printable'
        ? qpDecode(partBody)
        : encoding === 'base64'
          ? Buffer.from(partBody, 'base64').toString('utf8')
          : Buffer.from(partBody, 'latin1').toString('utf8');
    parts.push({ contentType, body: partBody });
  }
  return { headers, parts };
}
