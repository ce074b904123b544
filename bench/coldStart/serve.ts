// The instance of the cold-start measure (P9): the app as `npm run build` bundles it, served by the local host, in
// a process of its own. Settings come from the environment, as on the Functions host; once it listens it prints
// its URL on stdout.
import { startLocalHost } from '../../dev/host.js';
import { createApp } from '../../functions/app.js';
import { loadConfig } from '../../shared/config.js';

const app = createApp(loadConfig(process.env));
const host = await startLocalHost({ definitions: app.definitions, port: 0, timers: false });
process.stdout.write(`${JSON.stringify({ url: host.url })}\n`);
process.on('SIGTERM', () => {
  void host
    .close()
    .then(() => app.close())
    .finally(() => process.exit(0));
});
