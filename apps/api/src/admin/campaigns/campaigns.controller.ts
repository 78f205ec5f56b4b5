import { CampaignService, EditionSendService } from '@app/core';
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { Roles } from '../../auth/roles.decorator';
import {
  CampaignDto,
  CampaignPageDto,
  CreateCampaignDto,
  DeliveriesQueryDto,
  DeliveryPageDto,
  ListCampaignsQueryDto,
  SendMissedResultDto,
} from './campaign.dto';
import { IdParam } from '../../common/parse-id.pipe';

/** Sending an edition to every confirmed subscriber, and watching and steering the send. */
@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/admin/campaigns')
@UseGuards(AdminAuthGuard)
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignService,
    private readonly editionSends: EditionSendService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Send an edition now, or schedule it',
    description:
      'One full send per edition. With a future scheduledAt the campaign is `scheduled` until then. ' +
      'Refused with 422 `{ failedChecks }` while the pre-send check has failures, unless ' +
      '`overrideFailedChecks` is true (the campaign then records who overrode which checks).',
  })
  @ApiResponse({ status: 201, type: CampaignDto })
  @ApiResponse({ status: 404, description: 'No such edition' })
  @ApiResponse({
    status: 409,
    description: 'The edition already has a campaign (its id is in `campaignId`) or is not a draft',
  })
  @ApiResponse({
    status: 422,
    description:
      'The pre-send check has failures (`failedChecks`: id, label, detail) and overrideFailedChecks is not ' +
      'true, or the edition cannot be rendered into a message',
  })
  create(@Body() dto: CreateCampaignDto, @CurrentPrincipal() who?: Principal): Promise<CampaignDto> {
    return this.editionSends.send(dto.editionId, {
      ...(dto.scheduledAt !== undefined ? { scheduledAt: dto.scheduledAt } : {}),
      overrideFailedChecks: dto.overrideFailedChecks === true,
      ...(who?.userId !== undefined ? { by: who.userId } : {}),
    });
  }

  @Get()
  @ApiOperation({ summary: 'Campaigns, newest first' })
  @ApiResponse({ status: 200, type: CampaignPageDto })
  list(@Query() q: ListCampaignsQueryDto): Promise<CampaignPageDto> {
    return this.campaigns.list({ cursor: q.cursor, limit: q.limit });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A campaign with its counts from the delivery ledger' })
  @ApiResponse({ status: 200, type: CampaignDto })
  get(@IdParam() id: number): Promise<CampaignDto> {
    return this.campaigns.get(id);
  }

  @Post(':id/pause')
  @Roles('admin', 'editor', 'ops')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: messages in flight finish, no new ones start' })
  @ApiResponse({ status: 200, type: CampaignDto })
  @ApiResponse({ status: 409, description: 'The campaign is not running' })
  pause(@IdParam() id: number): Promise<CampaignDto> {
    return this.campaigns.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused campaign; nobody already sent to is sent to again' })
  @ApiResponse({ status: 200, type: CampaignDto })
  @ApiResponse({ status: 409, description: 'The campaign is not paused' })
  resume(@IdParam() id: number): Promise<CampaignDto> {
    return this.campaigns.resume(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a scheduled, running or paused campaign' })
  @ApiResponse({ status: 200, type: CampaignDto })
  @ApiResponse({ status: 409, description: 'The campaign is already completed' })
  cancel(@IdParam() id: number): Promise<CampaignDto> {
    return this.campaigns.cancel(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Per-recipient log, by delivery id (keyset pagination)' })
  @ApiResponse({ status: 200, type: DeliveryPageDto })
  deliveries(@IdParam() id: number, @Query() q: DeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.campaigns.deliveries(id, { status: q.status, cursor: q.cursor, limit: q.limit });
  }

  @Post(':id/send-missed')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send to subscribers confirmed since, and retry failed deliveries',
    description: 'Never sends to anyone who already has a `sent` delivery for this campaign.',
  })
  @ApiResponse({ status: 200, type: SendMissedResultDto })
  @ApiResponse({ status: 409, description: 'The campaign is scheduled, cancelled or still fanning out' })
  sendMissed(@IdParam() id: number): Promise<SendMissedResultDto> {
    return this.campaigns.sendMissed(id);
  }
}
