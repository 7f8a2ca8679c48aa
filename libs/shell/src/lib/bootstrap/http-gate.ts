import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { unavailableReport } from '@crawlflow/observability';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

type Phase = 'booting' | 'serving' | 'stopping';

/**
 * The app's HTTP listener, bound before the Nest application exists and kept after it closes, so
 * probes always get an answer: while booting (e.g. waiting for the database) `/health/live` is 200
 * and `/health/ready` 503 with the reason; once serving, every request goes to the Nest app; while
 * stopping, `/health/ready` turns 503 at once so load balancers drain, and the rest still reaches the
 * app until the listener closes.
 */
export class HttpGate {
  private readonly server: Server;
  private phase: Phase = 'booting';
  private app: RequestHandler | undefined;
  private bootProblems: Record<string, string> = {
    database: 'connecting',
    broker: 'waiting for the database',
  };

  constructor() {
    this.server = createServer((req, res) => this.route(req, res));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** What `/health/ready` reports per dependency until the app serves. */
  setBootProblems(problems: Record<string, string>): void {
    this.bootProblems = problems;
  }

  serve(app: RequestHandler): void {
    this.app = app;
    if (this.phase === 'booting') this.phase = 'serving';
  }

  beginStopping(): void {
    this.phase = 'stopping';
  }

  /** Stops accepting connections, ends idle keep-alive ones, and resolves when the rest have ended. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** For the shutdown deadline: whatever is still open is cut. */
  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (this.phase === 'stopping') {
      // Keep-alive clients would otherwise hold the listener open after close().
      res.setHeader('Connection', 'close');
      if (path === '/health/ready') {
        return send(
          res,
          503,
          unavailableReport({ database: 'the app is shutting down', broker: 'the app is shutting down' }),
        );
      }
    }
    if (this.app) return this.app(req, res);
    if (path === '/health/live') return send(res, 200, { status: 'ok' });
    if (path === '/health/ready') return send(res, 503, unavailableReport(this.bootProblems));
    const state = this.phase === 'booting' ? 'starting' : 'shutting down';
    send(res, 503, { statusCode: 503, message: `the app is ${state}`, error: 'Service Unavailable' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
