import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { CAMPAIGN_LIVE_JS } from './campaigns/campaign-live.script';
import { EDITIONS_JS } from './editions/editions.script';

/** Scripts are files of their own because the CSP allows no inline script. */
const ASSETS: Record<string, string> = {
  'campaign-live.js': CAMPAIGN_LIVE_JS,
  'editions.js': EDITIONS_JS,
};

/** The console's small scripts (public: they hold no data, and the login page may need them). */
@ApiExcludeController()
@Controller('admin/assets')
export class ConsoleAssetsController {
  @Get(':name')
  @Public()
  asset(@Param('name') name: string, @Res() res: Response): void {
    const body = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (body === undefined) throw new NotFoundException('No such console asset');
    res
      .type('application/javascript; charset=utf-8')
      .setHeader('Cache-Control', 'public, max-age=300')
      .send(body);
  }
}
