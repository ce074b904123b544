// A counting HTTP proxy in front of Azurite's Table service: the app reaches Table Storage through it, so a measure
// counts every Table operation the app made (each HTTP request is one operation; a batch is one), by table.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TableCounter {
  /** The given connection string with its TableEndpoint pointing at the proxy. */
  connectionString: string;
  /** Operations seen since the last reset, by table (the first path segment after the account). */
  counts(): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/** The table a request addresses: `/{account}/{table}(...)`, `/{account}/Tables`, `/{account}/$batch`. */
function tableOf(url: string): string {
  const segment = url.split('?')[0]!.split('/')[2] ?? '';
  return decodeURIComponent(segment.replace(/\(.*$/, ''));
}

export async function startTableCounter(connectionString: string): Promise<TableCounter> {
  const endpoint = /TableEndpoint=([^;]+)/.exec(connectionString)?.[1];
  if (!endpoint) throw new Error('the connection string has no TableEndpoint');
  const target = new URL(endpoint);
  let counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const table = tableOf(req.url ?? '/');
    counts.set(table, (counts.get(table) ?? 0) + 1);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(endpoint);
  proxied.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    connectionString: connectionString.replace(endpoint, proxied.toString().replace(/\/$/, '')),
    counts: () => new Map(counts),
    reset: () => void (counts = new Map()),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
