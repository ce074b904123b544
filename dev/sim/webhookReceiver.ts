// A webhook receiver for tests and the local demo: HTTPS on 127.0.0.1 (the simulated Azure's certificate, so the app
// trusts it through TRUSTED_CA; reach it as https://localhost:{port}/{path}), recording every delivery it gets. Each
// path answers as told: `ok` (204), `fail` (500), `gone` (410) or `stall` (holds the request open until release(), so
// a test can count what happens while a receiver hangs, without timing anything).
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type ReceiverBehaviour = 'ok' | 'fail' | 'gone' | 'stall';

export interface ReceivedDelivery {
  path: string;
  headers: Record<string, string>;
  /** The body exactly as received (what the signature covers). */
  body: string;
  /** What the receiver answered (0 while a stalled request is held). */
  status: number;
}

export interface SimWebhookReceiver {
  /** https://localhost:{port}{path} */
  url(path: string): string;
  readonly port: number;
  /** How a path answers from now on (default ok). */
  behave(path: string, behaviour: ReceiverBehaviour): void;
  /** Every delivery so far, optionally of one path, in arrival order. */
  deliveries(path?: string): ReceivedDelivery[];
  /** Resolves once `count` deliveries have reached the path (held ones included). */
  waitFor(path: string, count: number): Promise<ReceivedDelivery[]>;
  /** Requests held open by `stall` right now. */
  held(path?: string): number;
  /** Answers every held request (204) and stops stalling. */
  release(): void;
  clear(): void;
  close(): Promise<void>;
}

const STATUS: Record<Exclude<ReceiverBehaviour, 'stall'>, number> = { ok: 204, fail: 500, gone: 410 };

export async function startWebhookReceiver(tls: { key: string; cert: string }): Promise<SimWebhookReceiver> {
  const behaviours = new Map<string, ReceiverBehaviour>();
  const received: ReceivedDelivery[] = [];
  const heldOpen: Array<{ path: string; answer: () => void }> = [];
  const waiters: Array<{ path: string; count: number; resolve: (d: ReceivedDelivery[]) => void }> = [];
  const sockets = new Set<Socket>();
  const of = (path: string) => received.filter((d) => d.path === path);
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (of(waiter.path).length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(of(waiter.path));
      }
    }
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://localhost').pathname;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const delivery: ReceivedDelivery = { path, headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
      received.push(delivery);
      const behaviour = behaviours.get(path) ?? 'ok';
      const answer = (status: number) => {
        delivery.status = status;
        res.writeHead(status).end();
      };
      if (behaviour === 'stall') heldOpen.push({ path, answer: () => answer(204) });
      else answer(STATUS[behaviour]);
      wake();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const release = () => {
    for (const [path, behaviour] of behaviours) if (behaviour === 'stall') behaviours.set(path, 'ok');
    for (const held of heldOpen.splice(0)) held.answer();
  };
  return {
    port,
    url: (path) => `https://localhost:${port}${path}`,
    behave: (path, behaviour) => void behaviours.set(path, behaviour),
    deliveries: (path) => (path === undefined ? [...received] : of(path)),
    waitFor: (path, count) =>
      new Promise((resolve) => {
        waiters.push({ path, count, resolve });
        wake();
      }),
    held: (path) => heldOpen.filter((h) => path === undefined || h.path === path).length,
    release,
    clear: () => void received.splice(0),
    close: async () => {
      release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
