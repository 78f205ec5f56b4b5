import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';

/**
 * Validates the environment once, when the module graph is built, so a bad value stops the process
 * before anything listens or connects.
 */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => AppConfig.fromEnvironment() }],
  exports: [AppConfig],
})
export class ConfigModule {}
