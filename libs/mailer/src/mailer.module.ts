import { AppConfig } from '@app/config';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { FileOutboxTransport } from './file-outbox.transport';
import { MailMetrics } from './mail-metrics';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';
import { SmtpMailTransport } from './smtp.transport';

export function createMailTransport(config: AppConfig): MailTransport {
  const { SMTP_URL, SMTP_POOL_SIZE, SMTP_TIMEOUT_MS, OUTBOX_DIR } = config.env;
  if (!SMTP_URL) {
    new Logger('Mailer').warn(`SMTP_URL is not set: mail is written as .eml files to ${OUTBOX_DIR}/`);
    return new FileOutboxTransport(OUTBOX_DIR);
  }
  return new SmtpMailTransport({
    url: SMTP_URL,
    poolSize: SMTP_POOL_SIZE,
    timeoutMs: SMTP_TIMEOUT_MS,
    dkim: config.dkim,
  });
}

@Global()
@Module({
  providers: [
    MailMetrics,
    {
      provide: MAIL_TRANSPORT,
      inject: [AppConfig, MailMetrics],
      useFactory: (config: AppConfig, metrics: MailMetrics) => metrics.timed(createMailTransport(config)),
    },
  ],
  exports: [MAIL_TRANSPORT, MailMetrics],
})
export class MailerModule implements OnApplicationShutdown {
  constructor(@Inject(MAIL_TRANSPORT) private readonly transport: MailTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
