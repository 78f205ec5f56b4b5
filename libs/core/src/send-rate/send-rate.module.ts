import { Module } from '@nestjs/common';
import { SendRateLimiter } from './send-rate.limiter';

/**
 * The one SendRateLimiter of a process, for every service that hands mail to the transport (campaign
 * deliveries, confirmations, test sends). Its Redis connection opens on first use, so a process that imports
 * it without sending (the API) never connects. Needs the global ConfigModule.
 */
@Module({
  providers: [SendRateLimiter],
  exports: [SendRateLimiter],
})
export class SendRateModule {}
