import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TaskFailure } from '@crawlflow/contracts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RoutedServer {
  server: Server;
  base: string;
  port: number;
  /** Path (without query) → handler; an unknown path answers 404. */
  routes: Map<string, RouteHandler>;
  /** Every request, in arrival order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 whose routes a test sets, for fetcher tests. */
export async function startRoutedServer(): Promise<RoutedServer> {
  const routes = new Map<string, RouteHandler>();
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const handler = routes.get((req.url ?? '/').split('?')[0]);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    port,
    routes,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The TaskFailure a promise rejects with (anything else, or success, fails the test). */
export async function taskFailure(promise: Promise<unknown>): Promise<TaskFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TaskFailure) return error;
    throw error;
  }
  throw new Error('expected a TaskFailure');
}
