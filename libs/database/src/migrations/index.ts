import { InitialSchema1764270000000 } from './1764270000000-initial-schema';
import { DeliveryRecovery1764400000000 } from './1764400000000-delivery-recovery';
import { ConfirmationCap1764500300000 } from './1764500300000-confirmation-cap';
import { ApiTokenExpiry1764500310000 } from './1764500310000-api-token-expiry';
import { DeliverySubscriberIndex1764500400000 } from './1764500400000-delivery-subscriber-index';
import { InboundMail1764700000000 } from './1764700000000-inbound-mail';
import { SendGateWelcome1764700300000 } from './1764700300000-send-gate-welcome';
import { ClickTracking1764800000000 } from './1764800000000-click-tracking';
import { TwoFactor1764910000000 } from './1764910000000-two-factor';
import { FanOutRanges1764960000000 } from './1764960000000-fan-out-ranges';
import { CampaignProgress1765000000000 } from './1765000000000-campaign-progress';

/** Listed explicitly (not globbed) so the same list works from ts sources under Jest and from dist. */
export const MIGRATIONS = [
  InitialSchema1764270000000,
  DeliveryRecovery1764400000000,
  ConfirmationCap1764500300000,
  ApiTokenExpiry1764500310000,
  DeliverySubscriberIndex1764500400000,
  InboundMail1764700000000,
  SendGateWelcome1764700300000,
  ClickTracking1764800000000,
  TwoFactor1764910000000,
  FanOutRanges1764960000000,
  CampaignProgress1765000000000,
];
