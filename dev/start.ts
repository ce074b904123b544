// `npm start`: Azurite + the local function host on 127.0.0.1:7071 (+ the dashboard at /). Ctrl-C stops everything.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../shared/config.js';
import { createApp } from '../functions/app.js';
import { startAzurite } from './azurite.js';
import { startLocalHost } from './host.js';

const port = Number(process.env.PORT ?? 7071);
const azurite = await startAzurite();
const app = createApp(
  loadConfig({
    AUTH_MODE: 'development',
    DEV_PRINCIPAL_NAME: 'local-developer',
    DEV_PRINCIPAL_ROLES: 'Dashboard.Read,Cluster.Operate,Cluster.Admin',
    ...process.env,
    TABLE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  }),
);
const host = await startLocalHost({
  definitions: app.definitions,
  port,
  staticDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  log: (line) => console.log(line),
});

console.log(`Azurite tables   ${azurite.connectionString.match(/TableEndpoint=([^;]+)/)?.[1]}`);
console.log(`API              ${host.url}/api/health`);
console.log(`Dashboard        ${host.url}/`);
console.log('Ctrl-C stops everything.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await host.close();
  await app.close();
  await azurite.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
