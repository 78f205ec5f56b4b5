import { ConfigModule, AppConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MailerModule } from '@app/mailer';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { loggerOptions } from './logger.options';

/** Public (reader) controllers opt in to rate limiting with @UseGuards(ThrottlerGuard). */
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerOptions }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [
        { name: 'default', ttl: config.env.THROTTLE_TTL_MS, limit: config.env.THROTTLE_LIMIT },
      ],
    }),
    DatabaseModule,
    QueueModule,
    MailerModule,
  ],
})
export class AppModule {}
