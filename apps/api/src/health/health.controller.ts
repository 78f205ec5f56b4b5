import { AppConfig } from '@app/config';
import { UserRole } from '@app/database';
import { MAIL_TRANSPORT, type MailTransport } from '@app/mailer';
import { Controller, Get, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Request } from 'express';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { ApiMetrics } from '../metrics/api-metrics.service';
import { RedisPing } from './redis-ping';

const CHECK_TIMEOUT_MS = 3000;

/** Roles that read why a component is down (error text, transport address); everyone else sees up or down. */
const DETAIL_ROLES: readonly UserRole[] = [UserRole.Admin, UserRole.Ops];

/**
 * Liveness (the process answers) and readiness (it can do its job: PostgreSQL, Redis and the mail transport
 * answer within 3 s each). docker-compose and load balancers use /health/ready.
 *
 * Readiness is public and unthrottled (a load balancer must not be told 429), so it must stay cheap: the
 * mail check, which opens an SMTP connection and logs in, runs at most once per HEALTH_MAIL_CHECK_CACHE_MS
 * whoever asks, and concurrent callers share the one in flight (terminus' cacheFor). Error text names
 * internals (a relay's certificate, a path): it goes to the log (terminus logs every failed check) and to
 * admin or ops callers, while anonymous callers learn only which component is down.
 */
@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisPing,
    private readonly config: AppConfig,
    private readonly authenticator: RequestAuthenticator,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: 200 when PostgreSQL, Redis and the mail transport answer, else 503; why a component is down ' +
      'only with an admin or ops token or session',
  })
  async ready(@Req() req: Request): Promise<HealthCheckResult> {
    const detailed = await this.mayReadDetails(req);
    try {
      const result = await this.health.check([
        () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () =>
          this.indicators
            .check('redis')
            .attempt(() => this.redis.ping())
            .withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('mail')
            .attempt(async () => {
              await this.mail.verify();
              // the file outbox (no SMTP_URL) is only useful if it can be written to
              if (!this.config.smtpEnabled) await access(this.config.env.OUTBOX_DIR, constants.W_OK);
              return { transport: this.mail.description };
            })
            .withTimeout(CHECK_TIMEOUT_MS)
            .cacheFor(this.config.env.HEALTH_MAIL_CHECK_CACHE_MS),
      ]);
      this.metrics.recordReadiness(result.details);
      return detailed ? result : statusesOnly(result);
    } catch (err) {
      if (err instanceof ServiceUnavailableException)
        this.metrics.recordReadiness((err.getResponse() as HealthCheckResult).details);
      if (detailed || !(err instanceof ServiceUnavailableException)) throw err;
      throw new ServiceUnavailableException(statusesOnly(err.getResponse() as HealthCheckResult));
    }
  }

  /**
   * Admin or ops, by bearer token or console session. Bad credentials count as none here: readiness answers
   * a load balancer the same whatever header it was configured to send.
   */
  private async mayReadDetails(req: Request): Promise<boolean> {
    try {
      const principal = await this.authenticator.authenticate(req);
      return principal !== undefined && DETAIL_ROLES.includes(principal.role);
    } catch {
      return false;
    }
  }
}

/** The result with each component reduced to its status. */
function statusesOnly(result: HealthCheckResult): HealthCheckResult {
  const strip = (r: Partial<HealthIndicatorResult> | undefined): HealthIndicatorResult | undefined =>
    r &&
    Object.fromEntries(Object.entries(r).flatMap(([key, v]) => (v ? [[key, { status: v.status }]] : [])));
  return {
    status: result.status,
    ...(result.info && { info: strip(result.info) }),
    ...(result.error && { error: strip(result.error) }),
    details: strip(result.details) ?? {},
  };
}
