import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * A controller of the readers' pages and forms (subscribe, confirm, unsubscribe, preferences): rate limited
 * per client address, documented under "subscriptions". Its errors are AllExceptionsFilter's (a reader page
 * for a browser); a form the reader can fix is shown again by the handler with the message.
 */
export function ReaderController(path = ''): ClassDecorator {
  return applyDecorators(ApiTags('subscriptions'), Controller(path), UseGuards(ThrottlerGuard));
}
