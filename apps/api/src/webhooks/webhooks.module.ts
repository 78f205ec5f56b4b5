import { CampaignsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { BouncesController } from './bounces.controller';
import { WebhookSecretGuard } from './webhook-secret.guard';

@Module({
  imports: [CampaignsModule],
  controllers: [BouncesController],
  providers: [WebhookSecretGuard],
})
export class WebhooksModule {}
