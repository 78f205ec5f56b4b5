import { AppConfig } from '@app/config';
import { compileMimeTemplate, type MimeTemplate, renderEdition } from '@app/email';
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
}

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
    const env = this.config.env;
    const from = parseMailFrom(env.MAIL_FROM);
    const rendered = await renderEdition(edition.content, {
      sender: {
        name: edition.pub_name,
        address: env.SENDER_IDENTITY,
        postalAddress: env.SENDER_ADDRESS,
      },
      urls: { webUrl: this.config.url(`/archive/${edition.slug}`) },
    });
    const template: MimeTemplate = compileMimeTemplate({
      from,
      subject: edition.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { 'List-Id': listIdHeader(edition.pub_name, edition.pub_slug, env.PUBLIC_URL) },
      // The mailto (each reader's own unsubscribe+token address, read by the inbound server) comes after
      // the https URL, per recipient below.
      listUnsubscribe: { oneClick: this.config.publicUrlIsHttps }, // RFC 8058 one-click needs https
    });
    const verp = this.verp;
    return {
      campaignId,
      fromAddress: from.address,
      envelopeFrom: (deliveryId) => verp.forDelivery(deliveryId),
      build: (r) => {
        const { unsubscribeUrl, preferencesUrl } = this.links.forCampaign(r.subscriberUid);
        return template.render({
          to: r.email,
          messageId: r.messageId,
          unsubscribeUrl,
          preferencesUrl,
          listUnsubscribeMailto: `${verp.unsubscribeAddress(r.subscriberId, r.subscriberUid, campaignId)}?subject=unsubscribe`,
          extraHeaders: { [DELIVERY_HEADER]: String(r.deliveryId) },
        });
      },
    };
  }
}
