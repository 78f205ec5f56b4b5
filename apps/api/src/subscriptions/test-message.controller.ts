import { Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { publicationOf } from '../pages/publication';
import { sendPage } from '../pages/send-page';
import { ReaderController } from './reader-controller.decorator';
import { testMessagePage } from './subscription.pages';

const linkOf = (value: unknown): 'unsubscribe' | 'preferences' =>
  value === 'preferences' ? 'preferences' : 'unsubscribe';

/**
 * Where a test message's unsubscribe and preferences links and its List-Unsubscribe header point: a page
 * saying it was a test message (200), for GET and for the RFC 8058 one-click POST alike. It changes nothing.
 */
@ReaderController('test-message')
export class TestMessageController {
  @Get()
  @ApiOperation({ summary: 'What a test message’s unsubscribe or preferences link opens' })
  page(@Query('link') link: unknown, @Res() res: Response): void {
    sendPage(res, 200, testMessagePage(publicationOf(res), linkOf(link)));
  }

  /** A test message's one-click unsubscribe (its List-Unsubscribe-Post), as a mailbox provider sends it. */
  @Post()
  @SkipThrottle()
  @HttpCode(200)
  @ApiOperation({ summary: 'A test message’s one-click unsubscribe: changes nothing, answers 200' })
  oneClick(@Query('link') link: unknown, @Res() res: Response): void {
    sendPage(res, 200, testMessagePage(publicationOf(res), linkOf(link)));
  }
}
