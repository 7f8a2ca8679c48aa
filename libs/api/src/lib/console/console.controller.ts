import { join } from 'node:path';
import { Controller, Get, Inject, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiError } from '../http/api-error';
import { ConsoleLocation, isFile } from './console-location';

/** The parts of express's request and response the console uses. */
interface ConsoleRequest {
  /** Still percent-encoded. */
  path: string;
  originalUrl: string;
}
interface SendFileOptions {
  root: string;
  cacheControl: boolean;
}
interface ConsoleResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  redirect(status: number, url: string): void;
  sendFile(path: string, options: SendFileOptions, done: (error?: Error & { status?: number }) => void): void;
}

export const CONSOLE_PATH = '/console/';

/** On every console answer: its scripts, styles and data calls come from this origin only. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
};

/** Files under assets/ have content-hashed names: a changed file is a new name. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/**
 * The path below `/console/` as file name segments, or undefined when it cannot name a file the
 * console serves: bad percent-encoding, `.`/`..`, hidden names, separators inside a segment.
 */
export function consoleSegments(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of path.slice(CONSOLE_PATH.length).split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/** express's sendFile (ranges, ETag, Last-Modified, HEAD, content type) as a promise. */
function sendFile(res: ConsoleResponse, root: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(file, { root, cacheControl: false }, (error) => {
      // A client that went away mid-file: nothing is left to answer.
      if (!error || res.headersSent) return resolve();
      reject(error.status === 404 ? new ApiError(404, `console file ${file} does not exist`) : error);
    });
  });
}

/**
 * The operator console (a single-page app built into dist/console) at `/console/`, outside `/api`
 * and so without the bearer token: the page holds no data, its calls to `/api` carry the token.
 * Every path that is not a file answers index.html, so the app's own routes (`/console/jobs/42`)
 * load; a missing file under assets/ is a 404, not the page.
 */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  constructor(@Inject(ConsoleLocation) private readonly location: ConsoleLocation) {}

  @Get()
  @Redirect(CONSOLE_PATH, 302)
  home(): void {
    // The redirect is the answer.
  }

  @Get(['console', 'console/*path'])
  async serve(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse): Promise<void> {
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-cache');
    if (!req.path.startsWith(CONSOLE_PATH)) {
      // `/console`: the page's relative URLs resolve below `/console/` only.
      const query = req.originalUrl.indexOf('?');
      return res.redirect(302, `${CONSOLE_PATH}${query >= 0 ? req.originalUrl.slice(query) : ''}`);
    }
    const root = await this.location.root();
    if (!root) throw new ApiError(503, 'console assets are not built: run npm run build');
    const asset = /^\/console\/assets(\/|$)/.test(req.path);
    const segments = consoleSegments(req.path);
    if (segments && segments.length > 0 && (await isFile(join(root, ...segments)))) {
      if (asset) res.setHeader('Cache-Control', ASSET_CACHE);
      return sendFile(res, root, segments.join('/'));
    }
    if (asset) throw new ApiError(404, `console asset ${req.path} does not exist`);
    return sendFile(res, root, 'index.html');
  }
}
