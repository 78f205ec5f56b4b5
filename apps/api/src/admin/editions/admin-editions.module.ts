import { EditionsModule, PublicationModule } from '@app/core';
import { Module } from '@nestjs/common';
import { EditionsController } from './editions.controller';
import { TestSendThrottle } from './test-send-throttle';

@Module({
  imports: [EditionsModule, PublicationModule],
  controllers: [EditionsController],
  providers: [TestSendThrottle],
})
export class AdminEditionsModule {}
