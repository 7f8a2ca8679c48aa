import { createConnection, createServer, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Cuts every open connection and stops listening: to its clients the target is gone. */
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:`port` to `target`. Tests point an app at the proxy to make its database or
 * broker appear and disappear without touching the shared server.
 */
export function startTcpProxy(port: number, target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = createConnection(target);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
