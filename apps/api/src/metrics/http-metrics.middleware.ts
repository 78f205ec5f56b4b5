import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiMetrics, type SubscribeResult } from './api-metrics.service';

/**
 * Times every request. The `route` label is the matched route template (`/api/admin/users/:id`), never the raw
 * path, so ids and scanners' random URLs cannot blow up the number of series.
 */
export function routeLabel(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return route;
  const path = req.originalUrl.split('?')[0] ?? '';
  if (path.startsWith('/admin/queues')) return '/admin/queues/*';
  if (path.startsWith('/api/docs')) return '/api/docs/*';
  return 'unmatched';
}

/** The sign-up routes (route templates as routeLabel gives them). */
const SUBSCRIBE_ROUTES = new Set(['/subscribe', '/api/subscriptions']);

/**
 * A sign-up answered as accepted although nothing was done (the honeypot was filled): the handler marks it so
 * the metric can tell bots from readers while the answer cannot.
 */
export function markSubscribeHoneypot(res: Response): void {
  (res.locals as { subscribeResult?: SubscribeResult }).subscribeResult = 'honeypot';
}

/**
 * A sign-up's result from its answer, so requests refused before the handler (validation pipe, rate limit)
 * count too.
 */
export function subscribeResult(res: Response): SubscribeResult {
  const code = res.statusCode;
  if (code >= 500) return 'error';
  if (code === 429) return 'rate_limited';
  if (code === 400 || code === 422) return 'invalid';
  if (code >= 400) return 'refused';
  return (res.locals as { subscribeResult?: SubscribeResult }).subscribeResult ?? 'accepted';
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = routeLabel(req);
      end({ method: req.method, route, status_code: String(res.statusCode) });
      if (req.method === 'POST' && SUBSCRIBE_ROUTES.has(route))
        this.metrics.subscribeRequests.inc({ result: subscribeResult(res) });
    });
    next();
  }
}
