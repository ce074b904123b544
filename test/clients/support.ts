// Independent clients (Debian's python3-kubernetes, kubectl) run as child processes against the simulated Azure:
// asynchronously, so the simulator in this process keeps answering while they wait for it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell, feeding `input` on stdin; never throws for a non-zero exit. */
export function runChild(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A private folder (0700) holding a kubeconfig (0600); remove() deletes both. */
export async function kubeconfigFile(yaml: string): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-kubeconfig-'));
  const path = join(dir, 'config');
  await writeFile(path, yaml, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
