// One HTTPS server of the simulated Azure (ARM or a cluster's API server): loopback only, counts connections and
// handshakes, consults the injection rules, writes the request log. The protocol lives in the handler.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ServerCounters, type RequestLog } from './counters.js';
import type { AppliedInjection, InjectionRegistry, ServerIdentity } from './injection.js';

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  socket: TLSSocket;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
}

export interface SimServerOptions {
  /** Name in the request log: "arm" or "{resourceGroup}/{cluster}". */
  name: string;
  identity: ServerIdentity;
  tls: { key: string; cert: string; ca?: string; requestCert?: boolean };
  counters: ServerCounters;
  log: RequestLog;
  injections: InjectionRegistry;
  idleTimeoutMs: number;
  handle(request: SimRequest): Promise<SimResponse> | SimResponse;
  /** The server's own error shape for an injected status. */
  injectedAnswer(status: number, injection: AppliedInjection): SimResponse;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SimServer {
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: SimServerOptions) {
    const { tls, counters } = options;
    this.server = https.createServer(
      {
        key: tls.key,
        cert: tls.cert,
        ca: tls.ca,
        requestCert: tls.requestCert ?? false,
        // Clients without a certificate (bearer auth) must still get through the handshake; the handler decides.
        rejectUnauthorized: false,
        keepAlive: true,
      },
      (req, res) => void this.onRequest(req, res),
    );
    this.server.keepAliveTimeout = options.idleTimeoutMs;
    this.server.on('connection', (socket: Socket) => {
      counters.countConnection();
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: TLSSocket) => counters.countHandshake(socket.isSessionReused()));
    this.server.on('tlsClientError', () => counters.countTlsFailure());
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve(this.port);
      });
    });
  }

  /** Stops listening and cuts every connection (a stopped cluster refuses and resets, it does not drain). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { options } = this;
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = req.method ?? 'GET';
    options.counters.countRequest(url.pathname);
    let status = 0;
    let injectionId: number | undefined;
    try {
      const body = await readBody(req);
      const injection = options.injections.match(options.identity, method, url.pathname);
      injectionId = injection?.id;
      if (injection?.latencyMs) await delay(injection.latencyMs);
      if (injection?.drop) {
        req.socket.destroy();
        return;
      }
      const answer: SimResponse = injection?.status
        ? options.injectedAnswer(injection.status, injection)
        : await options.handle({ method, url, headers: req.headers, body, socket: req.socket as TLSSocket });
      if (injection?.headers) answer.headers = { ...answer.headers, ...injection.headers };
      if (injection?.hold) await injection.hold();
      if (res.destroyed || req.socket.destroyed) return;
      status = answer.status;
      send(res, answer);
    } catch (err) {
      if (!res.headersSent && !res.destroyed) {
        status = 500;
        send(res, { status: 500, body: { error: { code: 'SimulatorError', message: String(err) } } });
      }
    } finally {
      options.log.add({
        server: options.name,
        method,
        url: req.url ?? '/',
        status,
        startedAt,
        durationMs: Date.now() - startedAt,
        injection: injectionId,
      });
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: SimResponse): void {
  const headers: Record<string, string> = { ...answer.headers };
  let payload: Buffer | undefined;
  if (answer.body === undefined || answer.body === null) {
    payload = undefined;
  } else if (typeof answer.body === 'string') {
    payload = Buffer.from(answer.body);
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (Buffer.isBuffer(answer.body)) {
    payload = answer.body;
  } else {
    payload = Buffer.from(JSON.stringify(answer.body));
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (answer.status === 204 || answer.status === 304) payload = undefined;
  else headers['content-length'] = String(payload?.length ?? 0);
  res.writeHead(answer.status, headers);
  res.end(payload);
}
