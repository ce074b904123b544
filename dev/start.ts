// `npm start`: Azurite + the simulated Azure (demo fleet) + the functions on http://127.0.0.1:7071/api + the
// dashboard at http://127.0.0.1:7071/. Ctrl-C stops everything.
import { fileURLToPath } from 'node:url';
import { writeDemoKubeconfig } from './demoKubeconfig.js';
import { demoFleet } from './sim/index.js';
import { startLocalStack } from './stack.js';

const stack = await startLocalStack({
  port: Number(process.env.PORT ?? 7071),
  staticDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  env: process.env,
  // The demo fleet and a second subscription, allowed as a whole, for the fleet view.
  simulator: { fleet: demoFleet(new Date(), { secondSubscription: true }) },
});

console.log(`Dashboard         ${stack.url}/`);
console.log(`API               ${stack.url}/api/health  ${stack.url}/api/me`);
console.log(`Simulated ARM     ${stack.sim.armEndpoint}`);
console.log(`Demo scopes       ${stack.config.auth.allowedScopes.map((s) => `${s.subscriptionId}/${s.resourceGroup}`).join('  ')}`);
console.log(`kubectl           KUBECONFIG=${await writeDemoKubeconfig(stack.sim, stack.config)} kubectl get nodes`);
console.log('Ctrl-C stops everything.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
