import { CampaignsModule, EditionsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { CampaignsController } from './campaigns.controller';

@Module({
  imports: [CampaignsModule, EditionsModule],
  controllers: [CampaignsController],
})
export class AdminCampaignsModule {}
