import { EditionsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { EditionsController } from './editions.controller';

@Module({
  imports: [EditionsModule],
  controllers: [EditionsController],
})
export class AdminEditionsModule {}
