import { CampaignsModule, FeedbackModule } from '@app/core';
import { Module } from '@nestjs/common';
import { BouncesController } from './bounces.controller';
import { MailgunTokens, MailgunWebhookController } from './providers/mailgun.webhook';
import { PostmarkWebhookController } from './providers/postmark.webhook';
import { ProviderEventSink } from './providers/provider-events';
import { SendgridWebhookController } from './providers/sendgrid.webhook';
import { SesWebhookController, SnsVerifier } from './providers/ses.webhook';
import { FetchSnsHttpClient, SNS_HTTP_CLIENT, SnsCertificates } from './providers/sns-certificates';
import { WebhookSecretGuard } from './webhook-secret.guard';

/**
 * The generic bounce webhook and the provider webhooks (SES via SNS, Postmark, Mailgun, SendGrid), each
 * verified its provider's way and handed to FeedbackService as FeedbackEvents.
 */
@Module({
  imports: [CampaignsModule, FeedbackModule],
  controllers: [
    BouncesController,
    SesWebhookController,
    PostmarkWebhookController,
    MailgunWebhookController,
    SendgridWebhookController,
  ],
  providers: [
    WebhookSecretGuard,
    ProviderEventSink,
    SnsVerifier,
    SnsCertificates,
    { provide: SNS_HTTP_CLIENT, useClass: FetchSnsHttpClient },
    MailgunTokens,
  ],
})
export class WebhooksModule {}
