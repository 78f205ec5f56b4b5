import { AppConfig } from '@app/config';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { answerClientErrors } from './common/client-error';
import { rejectDeepJson } from './common/json-depth';
import { validationPipe } from './common/validation';
import { setupOpenApi } from './ops/openapi';

export const BODY_LIMIT = '1mb';

/** Webhooks whose signature covers the exact bytes of the body (SendGrid's signed event webhook). */
const RAW_BODY_PATHS = ['/api/webhooks/sendgrid'];

/**
 * body-parser `verify` hook for JSON: refuses too-deep nesting, and keeps the raw bytes as `req.rawBody` for
 * the signed webhooks only (everything else would hold its body twice for nothing).
 */
function keepWebhookRawBody(req: IncomingMessage, res: ServerResponse, buf: Buffer): void {
  rejectDeepJson(req, res, buf);
  const path = (req.url ?? '').split('?')[0];
  if (path !== undefined && RAW_BODY_PATHS.includes(path)) (req as { rawBody?: Buffer }).rawBody = buf;
}

/** Everything that makes the HTTP app what it is, shared by main.ts and the tests. */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.env.TRUST_PROXY ? 1 : false);
  app.disable('x-powered-by');
  answerClientErrors(app.getHttpServer());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          scriptSrc: ["'self'"],
          // the ALTCHA widget solves its proof of work in web workers it starts from blob: URLs
          workerSrc: ["'self'", 'blob:'],
          formAction: null,
          frameAncestors: ["'none'"],
        },
      },
      // The same as frame-ancestors for browsers that only know this header (the embeddable form is a plain
      // form posting here, not a frame, so no page needs framing).
      xFrameOptions: { action: 'deny' },
    }),
  );
  app.use(cookieParser());
  // Nest leaves `verify` out of the type (it uses it for rawBody, which is off here); body-parser honours it.
  const jsonOptions = { limit: BODY_LIMIT, verify: keepWebhookRawBody };
  app.useBodyParser('json', jsonOptions);
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  app.useBodyParser('text', { limit: BODY_LIMIT, type: ['text/plain', 'text/markdown', 'text/html'] });
  // The editors' Word document (POST /api/admin/editions/import and /convert) is read by its handler, after
  // the guard: see readDocxBody.
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  setupOpenApi(app);
  app.enableShutdownHooks();
}

export async function createApiApp(): Promise<INestApplication & NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  return app;
}
