import 'reflect-metadata';
import { AppConfig, ConfigError, validateEnvironmentOrExit } from '@app/config';
import { Logger } from '@nestjs/common';
import { createApiApp } from './bootstrap';
import { startBanner } from './start-banner';

async function main(): Promise<void> {
  validateEnvironmentOrExit('api');
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.env.PORT, config.env.HOST);
  const logger = new Logger('Start');
  for (const line of startBanner(config)) logger.log(line);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
