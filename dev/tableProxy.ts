// An HTTP proxy in front of Azurite's Table service: the app reaches Table Storage through it (with the real SDK),
// and whoever started it sees each call first (a measure counts them, a test answers some with a fault).
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TableProxy {
  /** The given connection string with its TableEndpoint pointing at the proxy. */
  connectionString: string;
  close(): Promise<void>;
}

/** Passes the call on to Azurite; `reply` gets Azurite's answer (a failed upstream drops the client's connection). */
export type Forward = (reply: (answer: IncomingMessage) => void) => void;

/** Azurite's answer, as it is. */
export function relay(res: ServerResponse, answer: IncomingMessage): void {
  res.writeHead(answer.statusCode ?? 502, answer.headers);
  answer.pipe(res);
}

export async function startTableProxy(
  connectionString: string,
  handle: (req: IncomingMessage, res: ServerResponse, forward: Forward) => void,
): Promise<TableProxy> {
  const endpoint = /TableEndpoint=([^;]+)/.exec(connectionString)?.[1];
  if (!endpoint) throw new Error('the connection string has no TableEndpoint');
  const target = new URL(endpoint);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) =>
    handle(req, res, (reply) => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        reply,
      );
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    }),
  );
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(endpoint);
  proxied.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    connectionString: connectionString.replace(endpoint, proxied.toString().replace(/\/$/, '')),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
