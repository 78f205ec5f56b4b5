import { AppConfig } from '@app/config';
import { metricsAuthorized } from '@app/core/metrics';
import { Controller, Get, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiMetrics } from './api-metrics.service';

@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly config: AppConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Bearer METRICS_TOKEN when set; otherwise open (bind or firewall it).',
  })
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!metricsAuthorized(req.headers.authorization, this.config.env.METRICS_TOKEN)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('Bearer METRICS_TOKEN required');
    }
    const body = await this.metrics.registry.metrics();
    res.setHeader('Cache-Control', 'no-store');
    res.type(this.metrics.registry.contentType).send(body);
  }
}
