import 'reflect-metadata';
import { ConfigError, validateEnvironmentOrExit } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { InboundModule } from './inbound.module';

async function main(): Promise<void> {
  validateEnvironmentOrExit('inbound');
  const app = await NestFactory.createApplicationContext(InboundModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT: the SMTP server stops accepting, lets the messages being received finish (stored, then 250),
  // and only then are the database pool and Redis closed.
  app.enableShutdownHooks();
  await app.init();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
