import { CampaignsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { CampaignsController } from './campaigns.controller';

@Module({
  imports: [CampaignsModule],
  controllers: [CampaignsController],
})
export class AdminCampaignsModule {}
