import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ASSETS } from './assets';

/** A year, the longest a cache is asked to keep anything: the URL changes whenever the content does. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Stylesheets and browser scripts under their content-hashed names (AssetManifest). Public: they hold no data,
 * and the sign-in page needs them. An unknown name, or the hash of an older version, is a 404.
 */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = ASSETS.find(file);
    if (!asset) throw new NotFoundException('No such asset: its address has changed, reload the page');
    res.status(200).type(asset.contentType).setHeader('Cache-Control', IMMUTABLE).send(asset.body);
  }
}
