// HTTP/2 as the deployed app serves browsers: in Azure a browser reaches the Function App's front end over HTTP/2
// (`http20Enabled` in infra/modules/functionApp.bicep), and the front end talks HTTP/1.1 to the worker. Here a
// cleartext HTTP/2 front end (prior knowledge, loopback only) relays each stream to the local host over kept-alive
// HTTP/1.1, and a viewer holds one HTTP/2 session for the whole run, as a browser holds one connection, over a
// socket whose received bytes are counted: the real frames (HEADERS compressed with HPACK, DATA, and the
// connection's own SETTINGS, WINDOW_UPDATE and PING frames), not headers rebuilt from what was parsed.
import {
  connect as connectSession,
  constants,
  createServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { connect as connectSocket, type AddressInfo, type Socket } from 'node:net';
import { Agent, request } from 'undici';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, RFC 9113 §8.2.2): they describe one connection, so a relay never forwards
 * them, and HTTP/2 forbids them outright. `host` is the worker's own, set by the relay (the local host answers only
 * its loopback names).
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings', 'host']);

/** The headers a relay passes on: no pseudo-headers, no hop-by-hop ones, none the Connection header names. */
export function endToEndHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith(':') || HOP_BY_HOP.has(lower) || named.includes(lower)) continue;
    kept[lower] = value;
  }
  return kept;
}

export interface H2Front {
  /** http://127.0.0.1:{port}: speak HTTP/2 to it with prior knowledge (h2c). */
  url: string;
  close(): Promise<void>;
}

/** An HTTP/2 front end on 127.0.0.1 relaying every stream to `workerUrl` over kept-alive HTTP/1.1. */
export async function startH2Front(workerUrl: string): Promise<H2Front> {
  const worker = new Agent({ connections: 8, keepAliveTimeout: 30_000, pipelining: 1 });
  const server = createServer();
  server.on('stream', (stream, headers) => {
    // A viewer that goes away mid-answer resets its stream; that is no fault of the relay.
    stream.on('error', () => {});
    relay(headers, stream).catch((error: unknown) => {
      if (stream.destroyed || stream.closed) return;
      const body = JSON.stringify({
        error: { code: 'badGateway', message: `front end: the worker did not answer (${error instanceof Error ? error.message : String(error)})` },
      });
      if (!stream.headersSent) stream.respond({ ':status': 502, 'content-type': 'application/json' });
      stream.end(body);
    });
  });
  // The viewers' connections: a broken one must not crash the run, and closing the front end closes them all.
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.on('close', () => sessions.delete(session));
  });

  async function relay(headers: IncomingHttpHeaders, stream: ServerHttp2Stream): Promise<void> {
    const method = String(headers[constants.HTTP2_HEADER_METHOD] ?? 'GET');
    const path = String(headers[constants.HTTP2_HEADER_PATH] ?? '/');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const answer = await request(`${workerUrl}${path}`, {
      method,
      dispatcher: worker,
      headers: endToEndHeaders(headers),
      ...(body && body.length > 0 ? { body } : {}),
    });
    const content = Buffer.from(await answer.body.arrayBuffer());
    const empty = content.length === 0 || method === 'HEAD';
    stream.respond({ ':status': answer.statusCode, ...endToEndHeaders(answer.headers) }, { endStream: empty });
    if (!empty) stream.end(content);
  }

  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const session of sessions) session.close();
      await closed;
      await worker.close();
    },
  };
}

export interface H2Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  /** Bytes this viewer received since its previous answer ended: the answer's frames and any connection frames between. */
  wireBytes: number;
  ms: number;
}

/** One viewer: one HTTP/2 session for its whole life, its received bytes counted on the socket beneath it. */
export class H2Viewer {
  private readonly socket: Socket;
  private readonly session: ClientHttp2Session;
  private counted = 0;

  constructor(frontUrl: string) {
    const { hostname, port } = new URL(frontUrl);
    this.socket = connectSocket({ host: hostname, port: Number(port) });
    this.session = connectSession(frontUrl, { createConnection: () => this.socket });
    // An error here surfaces in the request that meets it; the session's own event must not go unhandled.
    this.session.on('error', () => {});
  }

  /** Every byte received on the connection so far (frames, their headers, the server's preface). */
  get receivedBytes(): number {
    return this.socket.bytesRead;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<H2Answer> {
    return this.request('GET', path, headers);
  }

  /** A request without a body (what the dashboard polls with). */
  async request(method: string, path: string, headers: Record<string, string> = {}): Promise<H2Answer> {
    const start = performance.now();
    const stream = this.session.request({ [constants.HTTP2_HEADER_METHOD]: method, [constants.HTTP2_HEADER_PATH]: path, ...headers }, { endStream: true });
    const chunks: Buffer[] = [];
    const flat: Record<string, string> = {};
    let status = 0;
    await new Promise<void>((done, fail) => {
      stream.on('response', (received) => {
        status = Number(received[constants.HTTP2_HEADER_STATUS]);
        for (const [name, value] of Object.entries(received)) {
          if (!name.startsWith(':') && value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
        }
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', done);
      stream.on('error', fail);
      stream.on('close', () => fail(new Error(`HTTP/2 stream for ${path} closed before its end`)));
    });
    const body = Buffer.concat(chunks);
    const received = this.receivedBytes;
    const wireBytes = received - this.counted;
    this.counted = received;
    return { status, headers: flat, body: body.toString('utf8'), bodyBytes: body.length, wireBytes, ms: performance.now() - start };
  }

  close(): Promise<void> {
    return new Promise((done) => {
      if (this.session.closed) done();
      else this.session.close(() => done());
    });
  }
}
