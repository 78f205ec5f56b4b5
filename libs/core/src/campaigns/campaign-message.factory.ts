import { AppConfig } from '@app/config';
import {
  compileMimeTemplate,
  type MimeRenderValues,
  type MimeTemplate,
  PLACEHOLDERS,
  type RenderedEmail,
  renderEdition,
  renderWelcome,
  type SenderIdentity,
  withTrackedLinks,
} from '@app/email';
import { Injectable } from '@nestjs/common';
import addressparser from 'nodemailer/lib/addressparser';
import { VerpAddresses } from '../feedback/verp';
import { SubscriberLinks } from '../subscriptions/subscriber-links';
import { CampaignEditionRepository, type EditionToCompile } from './campaign-edition.repository';

export interface CampaignRecipient {
  email: string;
  subscriberId: number;
  subscriberUid: string;
  deliveryId: number;
  messageId: string;
}

/** The name of the header that carries the delivery id, which providers echo back in their webhooks. */
export const DELIVERY_HEADER = 'X-Newsletter-Delivery';

/** One campaign's message, rendered and MIME-encoded once; `build` splices in one recipient. */
export interface CampaignMessage {
  readonly campaignId: number;
  /** Bare address of MAIL_FROM, the From: header's address (unchanged by VERP). */
  readonly fromAddress: string;
  /**
   * SMTP envelope sender (Return-Path) of one delivery: its own signed VERP address
   * `bounces+d…@BOUNCE_DOMAIN`, so a bounce that arrives later names the delivery.
   */
  envelopeFrom(deliveryId: number): string;
  build(recipient: CampaignRecipient): Buffer;
  /**
   * What the delivery sends: the message and, with DKIM configured, its body hash computed from the body
   * prefix every reader shares (hashed once per campaign), which spares the signer hashing the whole body.
   */
  buildForSending(recipient: CampaignRecipient): { raw: Buffer; dkimBodyHash?: string };
}

/** The welcome message, rendered once per job; `build` splices in the reader. */
export interface WelcomeMessage {
  readonly subject: string;
  /** The issue it carries (null: the short welcome, no issue sent yet). */
  readonly editionSlug: string | null;
  /** VERP envelope sender naming the subscriber, so a bounce of the welcome is tied to them. */
  envelopeFrom(subscriberId: number): string;
  build(recipient: Omit<CampaignRecipient, 'deliveryId'>): Buffer;
}

/** A 1×1 image at the end of the body, for the open count (TRACKING=individual, OPEN_TRACKING=true). */
function withOpenPixel(html: string): string {
  const img = `<img src="${PLACEHOLDERS.openUrl}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" />`;
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html + img : html.slice(0, end) + img + html.slice(end);
}

/** "[TEST] " before a test send's subject. */
export const TEST_SUBJECT_PREFIX = '[TEST] ';

/** Processes keep a few campaigns' templates; a worker rarely serves more than one send at a time. */
const CACHE_SIZE = 8;

/** Parses MAIL_FROM ("CRANK Call <crank@example.org>" or a bare address) into name and address. */
export function parseMailFrom(value: string): { name: string; address: string } {
  const first = addressparser(value, { flatten: true })[0];
  if (!first?.address) throw new Error(`MAIL_FROM "${value}" holds no email address`);
  return { name: first.name, address: first.address };
}

/**
 * `List-Id` value (RFC 2919): the publication's name as the phrase, and `<slug>.<PUBLIC_URL host>` as the
 * list identifier, e.g. `CRANK Call <crank-call.news.example.org>`.
 */
export function listIdHeader(publicationName: string, publicationSlug: string, publicUrl: string): string {
  const host = new URL(publicUrl).hostname.toLowerCase().replace(/[^a-z0-9.-]/g, '');
  const id = `${publicationSlug.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.${host}`;
  const phrase = publicationName.replace(/[^\x20-\x7e]/g, '').trim();
  if (!phrase) return `<${id}>`;
  return /^[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]+$/.test(phrase)
    ? `${phrase} <${id}>`
    : `"${phrase.replace(/["\\]/g, '\\$&')}" <${id}>`;
}

/**
 * Renders an edition once per campaign and per process (React Email, then a MIME template with the body
 * quoted-printable encoded once), and caches it: the per-recipient cost is then a token signature, two short
 * VERP MACs (envelope sender, List-Unsubscribe mailto) and a buffer splice, which is what lets one worker
 * send thousands of messages a second.
 */
@Injectable()
export class CampaignMessageFactory {
  private readonly cache = new Map<number, Promise<CampaignMessage>>();

  constructor(
    private readonly editions: CampaignEditionRepository,
    private readonly config: AppConfig,
    private readonly links: SubscriberLinks,
    private readonly verp: VerpAddresses,
  ) {}

  forCampaign(campaignId: number): Promise<CampaignMessage> {
    let hit = this.cache.get(campaignId);
    if (!hit) {
      hit = this.compile(campaignId);
      this.cache.set(campaignId, hit);
      hit.catch(() => this.cache.delete(campaignId));
      while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return hit;
  }

  private async compile(campaignId: number): Promise<CampaignMessage> {
    const row = await this.editions.findForCampaign(campaignId);
    if (!row) throw new Error(`campaign ${campaignId} or its edition does not exist`);
    return this.compileEdition(campaignId, row);
  }

  /** Exposed for the API's pre-flight check: a campaign is refused if its edition cannot be built. */
  async compileEdition(campaignId: number, edition: EditionToCompile): Promise<CampaignMessage> {
    // Issue 15: with TRACKING on, each http(s) link becomes a per-recipient signed redirect (/l/<token>).
    const { TRACKING, OPEN_TRACKING } = this.config.env;
    const tracked =
      TRACKING === 'off' ? { content: edition.content, links: [] } : withTrackedLinks(edition.content);
    const rendered = await renderEdition(tracked.content, {
      sender: this.sender(edition.pub_name),
      urls: { webUrl: this.config.url(`/archive/${edition.slug}`) },
    });
    const openPixel = TRACKING === 'individual' && OPEN_TRACKING;
    if (openPixel) rendered.html = withOpenPixel(rendered.html);
    const template = this.template(
      edition.subject,
      rendered,
      edition.pub_name,
      edition.pub_slug,
      tracked.links.length,
    );
    const verp = this.verp;
    const links = this.links;
    const values = (r: CampaignRecipient): MimeRenderValues => {
      const { unsubscribeUrl, preferencesUrl } = links.forCampaign(r.subscriberUid, campaignId);
      // The time the message is built stands for the delivery's sent_at: it goes to SMTP right after.
      const claims = { campaignId, deliveryId: r.deliveryId, sentAt: Math.floor(Date.now() / 1000) };
      return {
        to: r.email,
        messageId: r.messageId,
        unsubscribeUrl,
        preferencesUrl,
        links: tracked.links.map((_, linkIndex) => links.trackedLinkUrl({ ...claims, linkIndex })),
        ...(openPixel ? { openUrl: links.openPixelUrl(claims) } : {}),
        listUnsubscribeMailto: `${verp.unsubscribeAddress(r.subscriberId, r.subscriberUid, campaignId)}?subject=unsubscribe`,
        extraHeaders: { [DELIVERY_HEADER]: String(r.deliveryId) },
      };
    };
    const signed = this.config.dkim !== undefined;
    return {
      campaignId,
      fromAddress: parseMailFrom(this.config.env.MAIL_FROM).address,
      envelopeFrom: (deliveryId) => verp.forDelivery(deliveryId),
      build: (r) => template.render(values(r)),
      buildForSending: (r) => {
        if (!signed) return { raw: template.render(values(r)) };
        // The transport's signer uses c=relaxed/relaxed.
        const { raw, bodyHash } = template.renderWithBodyHash(values(r), 'relaxed');
        return { raw, dkimBodyHash: bodyHash };
      },
    };
  }

  /**
   * The welcome message of a reader who just confirmed: the latest sent issue (null: none yet, a short
   * welcome) under the editor's welcome line, with a campaign message's headers (List-Id, List-Unsubscribe
   * with the https one-click URL and the reader's mailto, List-Unsubscribe-Post), a VERP envelope sender
   * naming the subscriber, and DKIM from the transport like every message.
   */
  async compileWelcome(
    publication: { name: string; slug: string },
    line: string,
    edition: EditionToCompile | null,
  ): Promise<WelcomeMessage> {
    const rendered = await renderWelcome({
      publicationName: publication.name,
      sender: this.sender(publication.name),
      line,
      ...(edition ? { edition: edition.content, webUrl: this.config.url(`/archive/${edition.slug}`) } : {}),
    });
    const template = this.template(rendered.subject, rendered, publication.name, publication.slug);
    const verp = this.verp;
    return {
      subject: rendered.subject,
      editionSlug: edition?.slug ?? null,
      envelopeFrom: (subscriberId) => verp.forWelcome(subscriberId),
      build: (r) => {
        const { unsubscribeUrl, preferencesUrl } = this.links.forCampaign(r.subscriberUid);
        return template.render({
          to: r.email,
          messageId: r.messageId,
          unsubscribeUrl,
          preferencesUrl,
          listUnsubscribeMailto: `${verp.unsubscribeAddress(r.subscriberId, r.subscriberUid)}?subject=unsubscribe`,
        });
      },
    };
  }

  /**
   * A test send of an edition: "[TEST]" before the subject, "View in browser" opening a signed preview of
   * the edition (it may not be in the archive yet), and unsubscribe and preferences links (and the
   * List-Unsubscribe headers, one-click included) pointing at the page that says this was a test message.
   */
  async compileTest(
    edition: EditionToCompile,
    previewUrl: string,
  ): Promise<{ subject: string; raw: (to: string, messageId: string) => Buffer }> {
    const rendered = await renderEdition(edition.content, {
      sender: this.sender(edition.pub_name),
      urls: { webUrl: previewUrl },
    });
    const subject = TEST_SUBJECT_PREFIX + edition.subject;
    const template = this.template(subject, rendered, edition.pub_name, edition.pub_slug);
    const links = this.links.forTestMessage();
    return {
      subject,
      raw: (to, messageId) =>
        template.render({
          to,
          messageId,
          unsubscribeUrl: links.unsubscribeUrl,
          preferencesUrl: links.preferencesUrl,
        }),
    };
  }

  /** The footer's sender lines: the publication's name, SENDER_IDENTITY and SENDER_ADDRESS. */
  private sender(publicationName: string): SenderIdentity {
    const env = this.config.env;
    return { name: publicationName, address: env.SENDER_IDENTITY, postalAddress: env.SENDER_ADDRESS };
  }

  /** Every message a reader may get from a list carries the same headers (From, List-Id, List-Unsubscribe). */
  private template(
    subject: string,
    rendered: RenderedEmail,
    pubName: string,
    pubSlug: string,
    linkCount = 0,
  ): MimeTemplate {
    const env = this.config.env;
    return compileMimeTemplate({
      linkCount,
      from: parseMailFrom(env.MAIL_FROM),
      subject,
      html: rendered.html,
      text: rendered.text,
      headers: { 'List-Id': listIdHeader(pubName, pubSlug, env.PUBLIC_URL) },
      // The mailto (each reader's own unsubscribe+token address, read by the inbound server) comes after
      // the https URL, per recipient.
      listUnsubscribe: { oneClick: this.config.publicUrlIsHttps }, // RFC 8058 one-click needs https
    });
  }
}
