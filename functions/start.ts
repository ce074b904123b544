// Started by index.ts: registers every definition of the composition root with the Functions host, and drains the
// Kubernetes session pool (closes its keep-alive connections) when the host shuts the worker down. A refused
// setting registers routes that all answer 500 misconfigured instead (functions/startup.ts).
import { app } from '@azure/functions';
import { startFunctions } from './startup.js';
import { registerFunctions } from './register.js';

const started = startFunctions();
registerFunctions(app, started.definitions);
app.hook.appTerminate(async () => {
  await started.close();
});
