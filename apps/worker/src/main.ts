import 'reflect-metadata';
import { ConfigError, validateEnvironmentOrExit } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  validateEnvironmentOrExit('worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT close the BullMQ workers, which wait for in-flight jobs before the process exits.
  app.enableShutdownHooks();
  await app.init();
  app.get(Logger).log(`worker ${process.pid} started`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
