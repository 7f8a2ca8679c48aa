import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * Sets the body parsers' size limit (express's default is 100 KB). Called before the app's init:
 * Nest then leaves out its own parsers of the same names, so these are the only ones. Both types
 * get the limit, so that the 413 an oversized body answers names the one setting that raises it.
 */
export function useBodyLimit(app: NestExpressApplication, limitBytes: number): void {
  app.useBodyParser('json', { limit: limitBytes });
  app.useBodyParser('urlencoded', { limit: limitBytes, extended: true });
}
