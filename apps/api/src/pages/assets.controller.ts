import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { altchaWidgetFile, ASSETS } from './assets';

/** A year, the longest a cache is asked to keep anything: the URL changes whenever the content does. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Stylesheets and browser scripts under their content-hashed names (AssetManifest). Public: they hold no data,
 * and the sign-in page needs them. An unknown name, or the hash of an older version, is a 404.
 */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  private altcha?: Buffer;

  /** The ALTCHA widget, also for pages of other sites (embedded forms): cross-origin readable, an hour's cache. */
  @Get('altcha.js')
  altchaWidget(@Res() res: Response): void {
    this.altcha ??= readFileSync(altchaWidgetFile());
    res
      .status(200)
      .type('application/javascript; charset=utf-8')
      .setHeader('Cache-Control', 'public, max-age=3600')
      .setHeader('Access-Control-Allow-Origin', '*')
      .setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
      .send(this.altcha);
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = ASSETS.find(file);
    if (!asset) throw new NotFoundException('No such asset: its address has changed, reload the page');
    res.status(200).type(asset.contentType).setHeader('Cache-Control', IMMUTABLE).send(asset.body);
  }
}
