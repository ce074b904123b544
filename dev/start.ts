// `npm start`: Azurite + the simulated Azure (demo fleet) + the functions on http://127.0.0.1:7071/api (PORT) + the
// dashboard at http://127.0.0.1:7071/. Ctrl-C stops everything. App settings exported in the shell are ignored
// unless `npm start -- --use-shell-env` (dev/demoSettings.ts): the demo never points at real resources by accident.
// The terminal is quiet by default (dev/terminalLog.ts); `npm start -- --verbose` prints every line.
import { fileURLToPath } from 'node:url';
import { writeDemoKubeconfig } from './demoKubeconfig.js';
import { demoFleet } from './sim/index.js';
import { demoSettings, describeTargets, USE_SHELL_ENV_FLAG } from './demoSettings.js';
import { startLocalStack } from './stack.js';
import { createTerminalLog, VERBOSE_FLAG } from './terminalLog.js';

const settings = demoSettings(process.env, process.argv.slice(2));
const terminal = createTerminalLog({ verbose: process.argv.includes(VERBOSE_FLAG) });
const stack = await startLocalStack({
  port: Number(process.env.PORT ?? 7071),
  staticDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  env: settings.env,
  // The demo fleet and a second subscription, allowed as a whole, for the fleet view.
  simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }) },
  // Request lines and timer lines go through each invocation's logger, as in Azure: print them (quietly), and so do
  // the lines written outside any invocation.
  hostLog: (line) => terminal(line),
  outsideLog: (level, line) => terminal(line, level),
});

console.log(`Dashboard         ${stack.url}/`);
console.log(`API               ${stack.url}/api/health  ${stack.url}/api/me`);
for (const line of describeTargets(stack.config, { tables: stack.ownTables, armEndpoint: stack.sim.armEndpoint })) console.log(line);
if (settings.ignored.length) {
  console.log(`Ignored           ${settings.ignored.join(' ')} from the shell (apply them with npm start -- ${USE_SHELL_ENV_FLAG})`);
}
console.log(`Demo scopes       ${stack.config.auth.allowedScopes.map((s) => `${s.subscriptionId}/${s.resourceGroup}`).join('  ')}`);
console.log(`kubectl           KUBECONFIG=${await writeDemoKubeconfig(stack.sim, stack.config)} kubectl get nodes`);
if (!process.argv.includes(VERBOSE_FLAG))
  console.log(`Quiet terminal    no line per upstream call, timer metrics once a minute (npm start -- ${VERBOSE_FLAG}: all)`);
console.log('Ctrl-C stops everything.');

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
