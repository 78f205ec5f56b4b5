import { ApiToken } from './api-token.entity';
import { Campaign } from './campaign.entity';
import { CampaignRange } from './campaign-range.entity';
import { CampaignClick, DeliveryClick } from './click.entity';
import { Delivery } from './delivery.entity';
import { Edition } from './edition.entity';
import { InboundMessage } from './inbound-message.entity';
import { MailFeedback } from './mail-feedback.entity';
import { Publication } from './publication.entity';
import { Session } from './session.entity';
import { SubscriberEvent } from './subscriber-event.entity';
import { Subscriber } from './subscriber.entity';
import { Suppression } from './suppression.entity';
import { User } from './user.entity';

export * from './api-token.entity';
export * from './campaign.entity';
export * from './campaign-range.entity';
export * from './click.entity';
export * from './delivery.entity';
export * from './edition.entity';
export * from './inbound-message.entity';
export * from './mail-feedback.entity';
export * from './publication.entity';
export * from './session.entity';
export * from './subscriber-event.entity';
export * from './subscriber.entity';
export * from './suppression.entity';
export * from './user.entity';

export const ENTITIES = [
  ApiToken,
  Campaign,
  CampaignClick,
  CampaignRange,
  Delivery,
  DeliveryClick,
  Edition,
  InboundMessage,
  MailFeedback,
  Publication,
  Session,
  SubscriberEvent,
  Subscriber,
  Suppression,
  User,
];
