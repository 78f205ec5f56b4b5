import { AppConfig } from '@app/config';
import { MAIL_TRANSPORT, type MailTransport } from '@app/mailer';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { RedisPing } from './redis-ping';

const CHECK_TIMEOUT_MS = 3000;

/**
 * Liveness (the process answers) and readiness (it can do its job: PostgreSQL, Redis and the mail transport
 * answer within 3 s each). docker-compose and load balancers use /health/ready.
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
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when PostgreSQL, Redis and the mail transport answer, else 503' })
  ready() {
    return this.health.check([
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
          .withTimeout(CHECK_TIMEOUT_MS),
    ]);
  }
}
