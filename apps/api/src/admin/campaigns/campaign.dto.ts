import type { CampaignOverrideView, CampaignView, DeliveryLogEntry } from '@app/core';
import { CampaignStatus, DeliveryStatus } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsEnum, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { IsKeysetCursor } from '../../common/keyset-cursor';

export class CreateCampaignDto {
  @ApiProperty({ example: 1, description: 'The edition to send (a draft).' })
  @IsDefined({ message: 'editionId is required' })
  @IsInt({ message: 'editionId must be an integer' })
  @Min(1, { message: 'editionId must be a positive integer' })
  @Max(2147483647, { message: 'editionId is too large' })
  editionId!: number;

  @ApiPropertyOptional({
    example: '2025-05-01T08:00:00Z',
    description: 'Send later (ISO 8601 date-time). Left out, or now: the send starts at once.',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'scheduledAt must be an ISO 8601 date-time' })
  scheduledAt?: string;

  @ApiPropertyOptional({
    example: false,
    description:
      'Send although the pre-send check has failures (without it such a request answers 422 with ' +
      '`failedChecks`). The campaign records who overrode which checks.',
  })
  @IsOptional()
  @IsBoolean({ message: 'overrideFailedChecks must be true or false' })
  overrideFailedChecks?: boolean;
}

export class ListCampaignsQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(200, { message: 'limit must be at most 200' })
  limit?: number;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ enum: DeliveryStatus })
  @IsOptional()
  @IsEnum(DeliveryStatus, { message: `status must be one of: ${Object.values(DeliveryStatus).join(', ')}` })
  status?: DeliveryStatus;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(1000, { message: 'limit must be at most 1000' })
  limit?: number;
}

export class FailedCheckDto {
  @ApiProperty({ example: 'list-unsubscribe' }) id!: string;
  @ApiProperty() label!: string;
  @ApiProperty() detail!: string;
}

export class CampaignOverrideDto implements CampaignOverrideView {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'null: the bootstrap ADMIN_API_TOKEN, or a deleted user',
  })
  byUserId!: number | null;
  @ApiProperty({ type: String, nullable: true }) byEmail!: string | null;
  @ApiProperty() at!: string;
  @ApiProperty({ type: [FailedCheckDto] }) failedChecks!: FailedCheckDto[];
}

export class CampaignDto implements CampaignView {
  @ApiProperty() id!: number;
  @ApiProperty() editionId!: number;
  @ApiProperty({ example: '2025-04' }) editionSlug!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: CampaignStatus }) status!: CampaignStatus;
  @ApiProperty({
    description:
      'Recipients: the confirmed readers counted when the campaign started (its snapshot), then, once every range of it is written, those in the ledger',
  })
  total!: number;
  @ApiProperty() sent!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ description: 'At send time (5xx) or later (a DSN or a provider report)' }) bounced!: number;
  @ApiProperty({ description: 'Reported as spam by the reader (feedback loop, provider)' })
  complained!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty({
    description:
      'Bounces that came back after the message was accepted (a DSN or a provider report), once per delivery; ' +
      'included in bounced',
  })
  lateBounces!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'bounced / (sent + bounced + complained), a fraction (0.012 is 1.2 %); null before any outcome',
  })
  bounceRate!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'complained / (sent + complained), a fraction; null before any delivery',
  })
  complaintRate!: number | null;
  @ApiProperty({
    description: 'complaintRate is at or above 0.003 (0.3 %, the Gmail and Yahoo bulk-sender limit)',
  })
  complaintRateOverLimit!: boolean;
  @ApiProperty({ description: 'queued + sending: recipients without a final state yet' }) pending!: number;
  @ApiProperty() queued!: number;
  @ApiProperty() sending!: number;
  @ApiProperty({ type: String, nullable: true }) scheduledAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) fannedOutAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) pauseReason!: string | null;
  @ApiProperty() consecutiveFailures!: number;
  @ApiProperty({
    type: CampaignOverrideDto,
    nullable: true,
    description: 'Sent despite failed pre-send checks: who, when and which checks; null otherwise',
  })
  override!: CampaignOverrideDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CampaignPageDto {
  @ApiProperty({ type: [CampaignDto] }) items!: CampaignDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class DeliveryLogEntryDto implements DeliveryLogEntry {
  @ApiProperty() id!: number;
  @ApiProperty() subscriberId!: number;
  @ApiProperty({ type: String, nullable: true, description: 'null once the subscriber was erased' })
  email!: string | null;
  @ApiProperty({ enum: DeliveryStatus }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Last SMTP reply or reason' })
  lastResponse!: string | null;
  @ApiProperty({ type: String, nullable: true }) messageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
  @ApiProperty() updatedAt!: string;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryLogEntryDto] }) items!: DeliveryLogEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SendMissedResultDto {
  @ApiProperty({ description: 'Deliveries added for subscribers confirmed since the send' }) added!: number;
  @ApiProperty({ description: 'Failed (or skipped, now confirmed again) deliveries queued again' })
  requeued!: number;
  @ApiProperty({ type: CampaignDto }) campaign!: CampaignDto;
}
