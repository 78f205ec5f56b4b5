import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { TokenPurpose, TokenService } from '../tokens/token.service';

export const CONFIRM_PATH = '/confirm';
export const UNSUBSCRIBE_PATH = '/unsubscribe';
export const PREFERENCES_PATH = '/preferences';

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

  /** The per-recipient links of a campaign email. */
  forCampaign(subscriberUid: string): { unsubscribeUrl: string; preferencesUrl: string } {
    return {
      unsubscribeUrl: this.unsubscribeUrl(subscriberUid),
      preferencesUrl: this.preferencesUrl(subscriberUid),
    };
  }
}
