import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { type LinkTokenClaims, TokenPurpose, TokenService } from '../tokens/token.service';

export const CONFIRM_PATH = '/confirm';
export const UNSUBSCRIBE_PATH = '/unsubscribe';
export const PREFERENCES_PATH = '/preferences';
/** Where a test message's unsubscribe and preferences links (and its List-Unsubscribe) lead. */
export const TEST_MESSAGE_PATH = '/test-message';
/** The preview of an edition not sent yet, opened by a test message's "View in browser". */
export const EDITION_PREVIEW_PATH = '/archive/preview';
/** A campaign message's tracked link (issue 15): `/l/<token>` answers 302 to the link it names. */
export const LINK_PATH = '/l';
/** A campaign message's open pixel (TRACKING=individual with OPEN_TRACKING=true). */
export const OPEN_PATH = '/o';
/**
 * The query parameter naming the campaign on a campaign message's unsubscribe and preferences links, so an
 * unsubscribe is attributed to the issue that prompted it. It is checked against the reader's deliveries
 * (a reader can only name an issue they were sent), so it needs no signature of its own.
 */
export const CAMPAIGN_PARAM = 'c';

/**
 * Absolute, signed links for one subscriber (by uid). The unsubscribe URL is also the RFC 8058
 * List-Unsubscribe target: a POST to it with `List-Unsubscribe=One-Click` unsubscribes at once.
 */
@Injectable()
export class SubscriberLinks {
  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
  ) {}

  confirmUrl(subscriberUid: string): string {
    return this.config.url(CONFIRM_PATH, { token: this.tokens.sign(TokenPurpose.Confirm, subscriberUid) });
  }

  unsubscribeUrl(subscriberUid: string): string {
    return this.config.url(UNSUBSCRIBE_PATH, {
      token: this.tokens.sign(TokenPurpose.Unsubscribe, subscriberUid),
    });
  }

  preferencesUrl(subscriberUid: string): string {
    return this.config.url(PREFERENCES_PATH, {
      token: this.tokens.sign(TokenPurpose.Preferences, subscriberUid),
    });
  }

  /**
   * A test message's per-reader links: a page saying it was a test message (200, one-click POST too), since
   * the editor who receives it is no subscriber.
   */
  forTestMessage(): { unsubscribeUrl: string; preferencesUrl: string } {
    return {
      unsubscribeUrl: this.config.url(TEST_MESSAGE_PATH, { link: 'unsubscribe' }),
      preferencesUrl: this.config.url(TEST_MESSAGE_PATH, { link: 'preferences' }),
    };
  }

  /** A signed link to an edition's preview (any status), valid for 30 days. */
  editionPreviewUrl(editionId: number): string {
    return this.config.url(EDITION_PREVIEW_PATH, { token: this.tokens.signEditionPreview(editionId) });
  }

  /**
   * The per-recipient links of a campaign email; with a campaign id they carry it (CAMPAIGN_PARAM) so an
   * unsubscribe is attributed to that issue. The welcome message passes none.
   */
  forCampaign(
    subscriberUid: string,
    campaignId?: number,
  ): { unsubscribeUrl: string; preferencesUrl: string } {
    const c: Record<string, string> = campaignId ? { [CAMPAIGN_PARAM]: String(campaignId) } : {};
    return {
      unsubscribeUrl: this.config.url(UNSUBSCRIBE_PATH, {
        token: this.tokens.sign(TokenPurpose.Unsubscribe, subscriberUid),
        ...c,
      }),
      preferencesUrl: this.config.url(PREFERENCES_PATH, {
        token: this.tokens.sign(TokenPurpose.Preferences, subscriberUid),
        ...c,
      }),
    };
  }

  /** One tracked link of a campaign message (string concatenation: it runs once per link and recipient). */
  trackedLinkUrl(claims: LinkTokenClaims): string {
    return `${this.config.env.PUBLIC_URL}${LINK_PATH}/${this.tokens.signLink(claims)}`;
  }

  /** The open pixel of one campaign message. */
  openPixelUrl(claims: Omit<LinkTokenClaims, 'linkIndex'>): string {
    return `${this.config.env.PUBLIC_URL}${OPEN_PATH}/${this.tokens.signLink({ ...claims, linkIndex: 'open' })}`;
  }
}
