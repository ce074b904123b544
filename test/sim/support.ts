// Shared by the simulator and ARM tests: the app's own configuration path pointed at a simulator, and
// Kubernetes clients built from the kubeconfigs the simulator's ARM hands out.
import { randomUUID } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request } from 'undici';
import { loadConfig, type Config } from '../../shared/config.js';
import type { SimulatedAzure } from '../../dev/sim/index.js';

/** The app's Config, loaded from the same settings `npm start` would give it. */
export function configFor(sim: SimulatedAzure, extra: Record<string, string> = {}): Config {
  return loadConfig({
    ...sim.appSettings(),
    TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    ...extra,
  });
}

/** Client-certificate auth: the admin kubeconfig as ARM returned it. */
export function certificateKubeConfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/**
 * Bearer auth: server + CA of the (Entra) user kubeconfig, its exec/kubelogin user dropped, the token supplied
 * instead under a unique user name.
 */
export function bearerKubeConfig(yaml: string, token: string): KubeConfig {
  const source = new KubeConfig();
  source.loadFromString(yaml);
  const cluster = source.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig without a cluster');
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: cluster.name, server: cluster.server, caData: cluster.caData, skipTLSVerify: false },
    { name: `entra-${randomUUID()}`, token },
  );
  return kc;
}

/** A raw HTTPS GET (undici, one short-lived agent) that returns status, headers and parsed body. */
export async function rawGet(
  url: string,
  options: { ca: string; headers?: Record<string, string>; cert?: string; key?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const agent = new Agent({ connect: { ca: options.ca, cert: options.cert, key: options.key } });
  try {
    const res = await request(url, { dispatcher: agent, headers: options.headers });
    const text = await res.body.text();
    const type = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, headers: res.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
  } finally {
    await agent.close();
  }
}

export const b64decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
