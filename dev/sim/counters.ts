// What one simulated server saw: requests by path, new TCP connections, TLS handshakes (full vs resumed).
// Benchmarks report these; tests assert connection reuse with them. Plus one request log shared by all servers.

export interface CountersSnapshot {
  requests: number;
  /** Requests by URL path (no query), e.g. "/api/v1/nodes". */
  requestsByPath: Record<string, number>;
  /** Accepted TCP connections. */
  tcpConnections: number;
  /** Completed TLS handshakes: full (new session) and resumed (session ticket / id). */
  tlsHandshakes: { full: number; resumed: number };
  /** Handshakes that failed (bad client certificate, untrusted CA on the client side, reset...). */
  tlsFailures: number;
}

export class ServerCounters {
  private requests = 0;
  private readonly byPath = new Map<string, number>();
  private tcp = 0;
  private full = 0;
  private resumed = 0;
  private failures = 0;

  countRequest(path: string): void {
    this.requests += 1;
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
  }

  countConnection(): void {
    this.tcp += 1;
  }

  countHandshake(resumed: boolean): void {
    if (resumed) this.resumed += 1;
    else this.full += 1;
  }

  countTlsFailure(): void {
    this.failures += 1;
  }

  snapshot(): CountersSnapshot {
    return {
      requests: this.requests,
      requestsByPath: Object.fromEntries(this.byPath),
      tcpConnections: this.tcp,
      tlsHandshakes: { full: this.full, resumed: this.resumed },
      tlsFailures: this.failures,
    };
  }

  reset(): void {
    this.requests = 0;
    this.byPath.clear();
    this.tcp = 0;
    this.full = 0;
    this.resumed = 0;
    this.failures = 0;
  }
}

export interface RequestLogEntry {
  /** "arm", or "{resourceGroup}/{cluster}" for a Kubernetes API server. */
  server: string;
  method: string;
  /** Path and query as sent (never headers: tokens stay out of the log). */
  url: string;
  /** Status sent, or 0 when the connection was dropped or the client went away first. */
  status: number;
  /** Epoch ms when the request arrived. */
  startedAt: number;
  durationMs: number;
  /** Id of the injection rule that shaped the answer, if any. */
  injection?: number;
}

/** Bounded (newest kept) so a long `npm start` session does not grow without end. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  constructor(private readonly capacity = 10_000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Oldest first. */
  list(filter?: (entry: RequestLogEntry) => boolean): RequestLogEntry[] {
    return filter ? this.entries.filter(filter) : [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }
}
