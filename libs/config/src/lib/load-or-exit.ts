import { AppConfig, loadConfig, ProcessName } from './app-config';
import { ConfigError } from './config-error';

/**
 * The one place that reads the process environment. A bad setting ends the process with a single
 * line naming it, instead of a stack trace from deep inside a driver.
 */
export function loadConfigOrExit(app: ProcessName): AppConfig {
  try {
    return loadConfig(app, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${app}: invalid configuration: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** The environment for tools (migrator, scripts) that need only part of the config. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}
