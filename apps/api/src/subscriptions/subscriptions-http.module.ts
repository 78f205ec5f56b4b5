import { SubscriptionsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { SubscribersAdminController } from '../admin/subscribers/subscribers.controller';
import { ConfirmController } from './confirm.controller';
import { PreferencesController } from './preferences.controller';
import { SubscribeChallenge } from './subscribe-challenge';
import { SubscribeController } from './subscribe.controller';
import { TestMessageController } from './test-message.controller';
import { UnsubscribeController } from './unsubscribe.controller';

/** Reader pages and API (/, /subscribe, /api/subscriptions, /confirm, /unsubscribe, /preferences, /test-message) and the subscriber admin API. */
@Module({
  imports: [SubscriptionsModule],
  controllers: [
    SubscribeController,
    ConfirmController,
    UnsubscribeController,
    PreferencesController,
    TestMessageController,
    SubscribersAdminController,
  ],
  providers: [SubscribeChallenge],
})
export class SubscriptionsHttpModule {}
