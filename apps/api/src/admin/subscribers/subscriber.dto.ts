import { historyEntry, type SubscriberEventRecord, type SubscriberRecord } from '@app/core';
import { SubscriberStatus } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsKeysetCursor } from '../../common/keyset-cursor';

const STATUSES = Object.values(SubscriberStatus);
// Checked here, not by PostgreSQL: the export has already started streaming when a query fails on a NUL.
// eslint-disable-next-line no-control-regex
const NO_CONTROLS = /^[^\u0000-\u001f\u007f]*$/;

export class SubscriberFilterQueryDto {
  @ApiPropertyOptional({ description: 'Exact address (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(NO_CONTROLS, { message: 'email must not contain control characters' })
  email?: string;

  @ApiPropertyOptional({ enum: SubscriberStatus })
  @IsOptional()
  @IsEnum(SubscriberStatus, { message: `status must be one of: ${STATUSES.join(', ')}` })
  status?: SubscriberStatus;

  @ApiPropertyOptional({ description: 'Substring of the address or the name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(NO_CONTROLS, { message: 'search must not contain control characters' })
  search?: string;
}

export class ListSubscribersQueryDto extends SubscriberFilterQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(500)
  limit?: number;
}

export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: ['subscribe', 'suppress'],
    default: 'subscribe',
    description:
      'subscribe: add the addresses as subscribers. suppress: block them (a publisher bringing its ' +
      'unsubscribes and bounces from another provider): pending or confirmed subscribers become ' +
      'unsubscribed, unknown addresses go on the suppression list as keyed hashes (never in clear), so no ' +
      'later import adds them. consent and sendOptIn apply to subscribe only.',
  })
  @IsOptional()
  @IsIn(['subscribe', 'suppress'], { message: 'mode must be "subscribe" or "suppress"' })
  mode?: 'subscribe' | 'suppress';

  @ApiPropertyOptional({
    enum: ['pending', 'confirmed'],
    default: 'pending',
    description: 'confirmed: you assert these people already consented; pending: they must opt in',
  })
  @IsOptional()
  @IsIn(['pending', 'confirmed'], { message: 'consent must be "pending" or "confirmed"' })
  consent?: 'pending' | 'confirmed';

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description: 'send the double opt-in email',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'sendOptIn must be "true" or "false"' })
  sendOptIn?: 'true' | 'false';
}

export class PatchSubscriberDto {
  @ApiPropertyOptional({ nullable: true, maxLength: 200 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString({ message: 'name must be a string or null' })
  name?: string | null;

  @ApiPropertyOptional({ enum: SubscriberStatus })
  @ValidateIf((_o, v) => v !== undefined) // not IsOptional: a null status must be refused, not stored
  @IsEnum(SubscriberStatus, { message: `status must be one of: ${STATUSES.join(', ')}` })
  status?: SubscriberStatus;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class SubscriberDto {
  @ApiProperty() id!: number;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ enum: SubscriberStatus }) status!: SubscriberStatus;
  @ApiProperty({ nullable: true, type: String, description: 'where consent came from' })
  consentSource!: string | null;
  @ApiProperty({ nullable: true, type: String }) consentAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) confirmedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) unsubscribedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(s: SubscriberRecord): SubscriberDto {
    return Object.assign(new SubscriberDto(), {
      id: s.id,
      email: s.email ?? '',
      name: s.name,
      status: s.status,
      consentSource: s.consentSource,
      consentAt: iso(s.consentAt),
      confirmedAt: iso(s.confirmedAt),
      unsubscribedAt: iso(s.unsubscribedAt),
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    });
  }
}

export class SubscriberEventDto {
  @ApiProperty() type!: string;
  @ApiProperty({ nullable: true, type: String }) fromStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) toStatus!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) source!: string | null;
  @ApiProperty({ nullable: true, type: String }) detail!: string | null;
  @ApiProperty() at!: string;

  static from(e: SubscriberEventRecord): SubscriberEventDto {
    return Object.assign(new SubscriberEventDto(), { ...historyEntry(e), detail: e.detail });
  }
}

/** One subscriber with its consent evidence and latest history (newest first). */
export class SubscriberDetailDto extends SubscriberDto {
  @ApiProperty({ nullable: true, type: String }) consentIp!: string | null;
  @ApiProperty({ nullable: true, type: String }) consentUserAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) confirmationSentAt!: string | null;
  @ApiProperty({ type: [SubscriberEventDto] }) events!: SubscriberEventDto[];

  static detail(s: SubscriberRecord, events: SubscriberEventRecord[]): SubscriberDetailDto {
    return Object.assign(new SubscriberDetailDto(), SubscriberDto.from(s), {
      consentIp: s.consentIp,
      consentUserAgent: s.consentUserAgent,
      confirmationSentAt: iso(s.confirmationSentAt),
      events: events.map((e) => SubscriberEventDto.from(e)),
    });
  }
}

export class SubscriberPageDto {
  @ApiProperty({ type: [SubscriberDto] }) items!: SubscriberDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as ?cursor= for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export class ImportRejectedRowDto {
  @ApiProperty({ description: 'line in the file (1 is the header)' }) line!: number;
  @ApiProperty() reason!: string;
}

export class ImportReportDto {
  @ApiProperty({ enum: ['subscribe', 'suppress'] }) mode!: 'subscribe' | 'suppress';
  @ApiProperty() rows!: number;
  @ApiProperty({ description: 'new subscribers (mode subscribe)' }) imported!: number;
  @ApiProperty({
    description:
      'subscribe: already subscribers, unchanged. suppress: already blocked (unsubscribed, bounced, ' +
      'complained, or repeated in the file), unchanged',
  })
  existing!: number;
  @ApiProperty({
    description:
      'subscribe: refused, the address is on the suppression list. suppress: unknown addresses already on it',
  })
  suppressed!: number;
  @ApiProperty({ description: 'mode suppress: subscribers made unsubscribed' }) unsubscribed!: number;
  @ApiProperty({ description: 'mode suppress: unknown addresses added to the suppression list' })
  addedToSuppression!: number;
  @ApiProperty() invalid!: number;
  @ApiProperty() optInQueued!: number;
  @ApiProperty({ type: [ImportRejectedRowDto] }) rejected!: ImportRejectedRowDto[];
  @ApiProperty() rejectedTruncated!: boolean;
}
