// `npm start`: Azurite + the simulated Azure (demo fleet) + the functions on http://127.0.0.1:7071/api (PORT) + the
// dashboard at http://127.0.0.1:7071/. Ctrl-C stops everything. App settings exported in the shell are ignored
// unless `npm start -- --use-shell-env` (dev/demoSettings.ts): the demo never points at real resources by accident.
// The terminal is quiet by default (dev/terminalLog.ts); `npm start -- --verbose` prints every line.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoKubeconfig } from './demoKubeconfig.js';
import { demoFleet } from './sim/index.js';
import { demoSettings, describeTargets, USE_SHELL_ENV_FLAG } from './demoSettings.js';
import { startLocalStack, type LocalStack } from './stack.js';
import { createTerminalLog, VERBOSE_FLAG } from './terminalLog.js';

const settings = demoSettings(process.env, process.argv.slice(2));
const terminal = createTerminalLog({ verbose: process.argv.includes(VERBOSE_FLAG) });
const port = Number(process.env.PORT ?? 7071);
let stack: LocalStack;
try {
  stack = await startLocalStack({
    port,
    staticDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
    env: settings.env,
    // The demo fleet and a second subscription, allowed as a whole, for the fleet view.
    simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }) },
    // Request lines and timer lines go through each invocation's logger, as in Azure: print them (quietly), and so do
    // the lines written outside any invocation.
    hostLog: (line) => terminal(line),
    outsideLog: (level, line) => terminal(line, level),
    // Notifications go to the simulator's webhook receiver (one per format), so the demo shows deliveries.
    webhookReceiver: true,
  });
} catch (error) {
  // The stack has stopped what it had started; a busy port is the one failure a user fixes by hand.
  if ((error as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE') throw error;
  console.error(`Port ${port} is in use: stop what listens there, or start on another port with PORT=<port> npm start`);
  process.exit(1);
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.close();
  process.exit(0);
};
// A failed shutdown still ends the process, saying why, instead of leaving an unhandled rejection.
const stopOnSignal = () => {
  stop().catch((error: unknown) => {
    console.error('stopping failed:', error);
    process.exit(1);
  });
};
process.on('SIGINT', stopOnSignal);
process.on('SIGTERM', stopOnSignal);

// The demo's admin kubeconfig lives in a private temp folder that goes with the process however it ends: Ctrl-C and
// SIGTERM (stop() above exits), an exit after a failure, a normal end.
const demoFolder = await mkdtemp(join(tmpdir(), 'aks-dashboard-demo-'));
process.on('exit', () => rmSync(demoFolder, { recursive: true, force: true }));

console.log(`Dashboard         ${stack.url}/`);
console.log(`API               ${stack.url}/api/health  ${stack.url}/api/me`);
for (const line of describeTargets(stack.config, { tables: stack.ownTables, armEndpoint: stack.sim.armEndpoint })) console.log(line);
if (settings.ignored.length) {
  console.log(`Ignored           ${settings.ignored.join(' ')} from the shell (apply them with npm start -- ${USE_SHELL_ENV_FLAG})`);
}
console.log(`Demo scopes       ${stack.config.auth.allowedScopes.map((s) => `${s.subscriptionId}/${s.resourceGroup}`).join('  ')}`);
if (stack.receiver)
  console.log(`Webhooks          generic, slack and teams receivers at ${stack.receiver.url('/hooks/')}* (signed; loopback allowed: demo only)`);
console.log(`kubectl           KUBECONFIG=${await writeDemoKubeconfig(stack.sim, stack.config, demoFolder)} kubectl get nodes`);
if (!process.argv.includes(VERBOSE_FLAG))
  console.log(`Quiet terminal    no line per upstream call, timer metrics once a minute (npm start -- ${VERBOSE_FLAG}: all)`);
console.log('Ctrl-C stops everything.');
