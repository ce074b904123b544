// Azurite's table and blob servers, each one child process on a free loopback port, for `npm start`, the tests and the
// benchmarks. The blob server stores the simulated storage accounts' blobs (dev/sim/blob.ts fronts it).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const ACCOUNT = AZURITE_ACCOUNT;
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteTables {
  port: number;
  pid: number;
  /** Full connection string for this port (UseDevelopmentStorage=true is hard-wired to 10002). */
  connectionString: string;
  /** The blob service of the development account: http://127.0.0.1:{port}/devstoreaccount1 */
  blobEndpoint: string;
  stop(): Promise<void>;
}

export function tableConnectionString(port: number, host = '127.0.0.1'): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=http://${host}:${port}/${ACCOUNT};`;
}

export function blobEndpointOf(port: number, host = '127.0.0.1'): string {
  return `http://${host}:${port}/${ACCOUNT}`;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function azuriteMain(service: 'table' | 'blob'): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), `dist/src/${service}/main.js`);
}

async function answers(port: number, path: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/${ACCOUNT}${path}`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true; // any HTTP answer (even 403 for the unsigned request) means the server is up
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((done) => child.once('exit', () => done()));
}

/** One Azurite service in its own process, answering on `port` (or refusing to start, saying why). */
async function startService(service: 'table' | 'blob', port: number, timeoutMs: number): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      azuriteMain(service),
      `--${service}Host`,
      '127.0.0.1',
      `--${service}Port`,
      String(port),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited(child);
    clearTimeout(force);
  };

  const deadline = Date.now() + timeoutMs;
  while (!(await answers(port, service === 'table' ? '/Tables' : '?comp=list'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Azurite (${service}) did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, stop };
}

export async function startAzurite(options: { port?: number; blobPort?: number; timeoutMs?: number } = {}): Promise<AzuriteTables> {
  const port = options.port ?? (await freePort());
  const blobPort = options.blobPort ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 20_000;
  const [tables, blobs] = await Promise.allSettled([startService('table', port, timeoutMs), startService('blob', blobPort, timeoutMs)]);
  if (tables.status === 'rejected' || blobs.status === 'rejected') {
    await Promise.all([tables, blobs].flatMap((started) => (started.status === 'fulfilled' ? [started.value.stop()] : [])));
    throw tables.status === 'rejected' ? tables.reason : (blobs as PromiseRejectedResult).reason;
  }
  return {
    port,
    pid: tables.value.pid,
    connectionString: tableConnectionString(port),
    blobEndpoint: blobEndpointOf(blobPort),
    stop: async () => {
      await Promise.all([tables.value.stop(), blobs.value.stop()]);
    },
  };
}
