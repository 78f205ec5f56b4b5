import type { AppConfig } from '@app/config';
import { resolve } from 'node:path';

/**
 * What a newcomer needs once the API is up: where to open it, where mail goes (a folder of .eml files unless
 * SMTP_URL is set; the SMTP host only, never its credentials), and how to create the first console admin.
 */
export function startBanner(config: AppConfig): string[] {
  const { PUBLIC_URL, PORT, SMTP_URL, OUTBOX_DIR } = config.env;
  let mail: string;
  if (SMTP_URL) {
    const u = new URL(SMTP_URL);
    mail = `Mail goes out through SMTP at ${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } else {
    mail = `Mail is not sent: each message is written to ${resolve(OUTBOX_DIR)} (set SMTP_URL to send)`;
  }
  return [
    `Newsletter API listening on ${PUBLIC_URL} (port ${PORT}); the console is at ${PUBLIC_URL}/admin`,
    mail,
    'First time? Create the first console admin: npm run cli -- user:create --email you@example.org --role admin',
  ];
}
