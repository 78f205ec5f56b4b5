import { AppConfig } from '@app/config';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Nest's start-up chatter (every module initialised, every route mapped): useful when debugging routing,
 * noise for everyone else, so it is logged at debug rather than info.
 */
const STARTUP_DETAIL = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Logs with a request id; tokens and credentials are redacted. JSON lines, one per event, when stdout is not
 * a terminal (a log collector, a container, a pipe); human-readable lines (pino-pretty) in a terminal.
 */
export function loggerOptions(config: AppConfig, stdoutIsTty = process.stdout.isTTY === true): Params {
  return {
    pinoHttp: {
      level: config.env.LOG_LEVEL,
      ...(stdoutIsTty
        ? {
            transport: {
              target: 'pino-pretty',
              options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', messageKey: 'msg' },
            },
          }
        : {}),
      hooks: {
        logMethod(args: unknown[], method: (...a: unknown[]) => void, level: number) {
          const first = args[0] as { context?: unknown } | undefined;
          if (level === 30 && typeof first?.context === 'string' && STARTUP_DETAIL.has(first.context)) {
            (this as unknown as { debug: (...a: unknown[]) => void }).debug(...args);
            return;
          }
          method.apply(this, args);
        },
      },
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-webhook-secret"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      serializers: {
        // query strings carry link tokens: log the path only
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
      },
      autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
    },
  };
}
