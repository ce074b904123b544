// `npm start` as a user runs it (dev/start.ts in its own process): Ctrl-C and SIGTERM remove the temp folder holding
// the demo's admin kubeconfig, and a busy port ends the start with one line naming PORT instead of a stack trace.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const STARTUP_MS = 90_000;

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** dev/start.ts under tsx, as `npm start` runs it (the dashboard build step aside), with PORT set. */
function startDemo(port: number): Started {
  let text = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const started = child;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => started.once('exit', (code, signal) => done({ code, signal })));
  return { child: started, output: () => text, exited };
}

/** The kubeconfig path the start banner prints, once it has printed it. */
async function kubeconfigPath(started: Started): Promise<string> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    const match = /KUBECONFIG=(\S+) kubectl/.exec(started.output());
    if (match) return match[1]!;
    if (started.child.exitCode !== null) throw new Error(`npm start ended early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`no kubeconfig line within ${STARTUP_MS} ms:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(
      `removes its temp folder (the demo's admin kubeconfig) on ${signal}`,
      async () => {
        const started = startDemo(0);
        const path = await kubeconfigPath(started);
        expect(existsSync(path)).toBe(true);
        started.child.kill(signal);
        expect((await started.exited).code).toBe(0);
        expect(existsSync(dirname(path))).toBe(false);
      },
      STARTUP_MS + 30_000,
    );
  }

  it(
    'names PORT in one line and exits non-zero when the port is taken, without a stack trace',
    async () => {
      const busy: Server = createServer();
      await new Promise<void>((listening) => busy.listen(0, '127.0.0.1', () => listening()));
      try {
        const port = (busy.address() as { port: number }).port;
        const started = startDemo(port);
        expect((await started.exited).code).toBe(1);
        const lines = started.output().trim().split('\n');
        expect(lines).toEqual([`Port ${port} is in use: stop what listens there, or start on another port with PORT=<port> npm start`]);
      } finally {
        await new Promise<void>((closed) => busy.close(() => closed()));
      }
    },
    STARTUP_MS,
  );
});
