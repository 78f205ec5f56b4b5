import { Module } from '@nestjs/common';
import { VerpAddresses } from './verp';

/**
 * The signed return addresses alone (VerpAddresses needs only the global ConfigModule), for the modules that
 * send mail: CampaignsModule (envelope sender and List-Unsubscribe mailto of every campaign message) and
 * SubscriptionsModule (envelope sender of confirmations). Kept apart from FeedbackModule so that the sending
 * side never imports the receiving side, whose services build on campaigns and subscribers: no module cycle.
 */
@Module({
  providers: [VerpAddresses],
  exports: [VerpAddresses],
})
export class VerpModule {}
