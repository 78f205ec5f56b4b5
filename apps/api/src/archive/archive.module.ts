import { EditionsModule } from '@app/core';
import { Module } from '@nestjs/common';
import { ArchiveController } from './archive.controller';

@Module({
  imports: [EditionsModule],
  controllers: [ArchiveController],
})
export class ArchiveModule {}
