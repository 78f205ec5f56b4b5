import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiMetrics } from './api-metrics.service';

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

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.once('finish', () =>
      end({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) }),
    );
    next();
  }
}
