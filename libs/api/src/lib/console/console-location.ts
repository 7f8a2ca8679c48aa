import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

/** ApiModuleOptions.consoleDir: the built console's directory; undefined: found by ConsoleLocation. */
export const CONSOLE_DIR = Symbol('CONSOLE_DIR');

/** Whether `path` is a regular file (false when it is missing or not a file). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Whether `dir` holds a built console (its index.html). */
export async function isBuiltConsole(dir: string): Promise<boolean> {
  return isFile(join(dir, 'index.html'));
}

/**
 * The `dist/console` that `npm run build` writes, looked for from `from` up to the file system's
 * root: beside a checkout's sources (`<repo>/libs/api/src/lib/console` → `<repo>/dist/console`) and
 * inside the compiled tree (`<repo>/dist/libs/api/…` → an ancestor `dist` holding `console/`).
 */
export async function findBuiltConsole(from: string): Promise<string | undefined> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidates = [join(dir, 'dist', 'console')];
    if (basename(dir) === 'dist') candidates.unshift(join(dir, 'console'));
    for (const candidate of candidates) if (await isBuiltConsole(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Where the built console is. Asked per request, so that a console built after the start is served
 * without a restart (and one removed answers 503 again); a directory found is remembered.
 */
@Injectable()
export class ConsoleLocation implements OnApplicationBootstrap {
  private readonly logger = new Logger('Console');
  private found: string | undefined;

  constructor(@Inject(CONSOLE_DIR) private readonly configured: string | undefined) {}

  async onApplicationBootstrap(): Promise<void> {
    const root = await this.root();
    if (root) this.logger.log(`serving the console at /console/ from ${root}`);
    else
      this.logger.warn(
        `console assets are not built (no ${this.configured ? join(this.configured, 'index.html') : 'dist/console/index.html'}): /console/ answers 503 until npm run build`,
      );
  }

  /** The directory with index.html and assets/, or undefined while the console is not built. */
  async root(): Promise<string | undefined> {
    if (this.configured !== undefined)
      return (await isBuiltConsole(this.configured)) ? this.configured : undefined;
    if (this.found && (await isBuiltConsole(this.found))) return this.found;
    this.found = await findBuiltConsole(__dirname);
    return this.found;
  }
}
