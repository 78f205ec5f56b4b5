import { BounceService } from '@app/core';
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { BounceReportDto, BounceResultDto } from './bounce-webhook.dto';
import { WebhookSecretGuard } from './webhook-secret.guard';

/** Bounce and complaint reports from the sending provider. */
@ApiTags('webhooks')
@Controller('api/webhooks')
@UseGuards(WebhookSecretGuard)
export class BouncesController {
  constructor(private readonly bounces: BounceService) {}

  @Post('bounces')
  @HttpCode(200)
  @ApiHeader({ name: 'X-Webhook-Secret', required: true, description: 'BOUNCE_WEBHOOK_SECRET' })
  @ApiOperation({
    summary: 'Report a bounce or complaint',
    description:
      'hard: the subscriber is marked bounced. complaint: unsubscribed and marked complained. soft: counted; ' +
      'the third soft bounce marks the subscriber bounced. An unknown address answers 200 with matched=false.',
  })
  @ApiResponse({ status: 200, type: BounceResultDto })
  @ApiResponse({ status: 401, description: 'Missing or wrong X-Webhook-Secret' })
  @ApiResponse({ status: 503, description: 'BOUNCE_WEBHOOK_SECRET is not set' })
  report(@Body() dto: BounceReportDto): Promise<BounceResultDto> {
    return this.bounces.report(dto.email, dto.type);
  }
}
