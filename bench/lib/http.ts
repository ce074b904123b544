// A lean keep-alive HTTP client for the measures (undici, as the load generator's peers would be): the client's
// own overhead stays small next to what is measured.
import { Agent, request } from 'undici';

export interface Answer<T = any> {
  status: number;
  body: T;
  /** Milliseconds from sending the request to the end of the body. */
  ms: number;
}

export class BenchClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    options: { connections?: number } = {},
  ) {
    this.agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async get<T = any>(path: string): Promise<Answer<T>> {
    const start = performance.now();
    const res = await request(`${this.baseUrl}${path}`, { method: 'GET', dispatcher: this.agent });
    const body = (await res.body.json()) as T;
    return { status: res.statusCode, body, ms: performance.now() - start };
  }

  async post<T = any>(path: string, payload: unknown): Promise<Answer<T>> {
    const start = performance.now();
    const res = await request(`${this.baseUrl}${path}`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = (await res.body.json()) as T;
    return { status: res.statusCode, body, ms: performance.now() - start };
  }

  /** A GET with headers, counting the bytes the answer took on the wire (status line, headers, body). */
  async getCounted(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: string; bodyBytes: number; wireBytes: number; ms: number }> {
    const start = performance.now();
    const res = await request(`${this.baseUrl}${path}`, { method: 'GET', dispatcher: this.agent, headers });
    const body = await res.body.text();
    const flat: Record<string, string> = {};
    let headerBytes = `HTTP/1.1 ${res.statusCode} \r\n\r\n`.length;
    for (const [name, value] of Object.entries(res.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? '']) headerBytes += Buffer.byteLength(`${name}: ${one}\r\n`);
      flat[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    }
    const bodyBytes = Buffer.byteLength(body);
    return { status: res.statusCode, headers: flat, body, bodyBytes, wireBytes: headerBytes + bodyBytes, ms: performance.now() - start };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Query string of a scope, as the dashboard sends it. */
export function scopeQuery(scope: { subscriptionId: string; resourceGroup: string }): string {
  return `subscriptionId=${encodeURIComponent(scope.subscriptionId)}&resourceGroup=${encodeURIComponent(scope.resourceGroup)}`;
}
