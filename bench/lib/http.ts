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

  constructor(private readonly baseUrl: string, options: { connections?: number } = {}) {
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

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Query string of a scope, as the dashboard sends it. */
export function scopeQuery(scope: { subscriptionId: string; resourceGroup: string }): string {
  return `subscriptionId=${encodeURIComponent(scope.subscriptionId)}&resourceGroup=${encodeURIComponent(scope.resourceGroup)}`;
}
