import 'reflect-metadata';
import { AppConfig, ConfigError, validateEnvironmentOrExit } from '@app/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  validateEnvironmentOrExit('api');
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.env.PORT, config.env.HOST);
  console.log(`Newsletter API listening on ${config.env.PUBLIC_URL} (port ${config.env.PORT})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
