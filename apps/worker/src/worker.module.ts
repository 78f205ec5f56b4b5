import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MailerModule } from '@app/mailer';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.env.LOG_LEVEL } }),
    }),
    DatabaseModule,
    QueueModule,
    MailerModule,
  ],
})
export class WorkerModule {}
