import type { BounceType } from '@app/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Matches, MaxLength } from 'class-validator';

const TYPES: BounceType[] = ['hard', 'soft', 'complaint'];

export class BounceReportDto {
  @ApiProperty({ example: 'reader@example.org' })
  @IsDefined({ message: 'email is required' })
  @IsString({ message: 'email must be a string' })
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @Matches(/^[^\s@]+@[^\s@]+$/, { message: 'email must be an email address' })
  email!: string;

  @ApiProperty({ enum: TYPES })
  @IsDefined({ message: 'type is required' })
  @IsIn(TYPES, { message: `type must be one of: ${TYPES.join(', ')}` })
  type!: BounceType;
}

export class BounceResultDto {
  @ApiProperty({ description: 'False when no subscriber has this address (nothing changed)' })
  matched!: boolean;
  @ApiPropertyOptional() subscriberId?: number;
  @ApiPropertyOptional({ description: 'The subscriber status after the report' }) status?: string;
  @ApiPropertyOptional() softBounceCount?: number;
}
