import { AppConfig, ConfigError } from './app-config';

/**
 * Validates the environment before Nest starts so a bad value gives a short, clear message and exit code 1
 * instead of a dependency-injection stack trace. Also warns loudly about development-only fallbacks.
 */
export function validateEnvironmentOrExit(processName: string): AppConfig {
  try {
    const config = AppConfig.fromEnvironment();
    if (config.secretKeyIsEphemeral) {
      console.warn(
        `\n*** WARNING (${processName}): SECRET_KEY is not set. Link tokens are signed with a generated development ` +
          `key kept in var/secret.key. Set SECRET_KEY (32+ random characters) for any real deployment. ***\n`,
      );
    }
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${processName}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
