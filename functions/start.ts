// Started by index.ts: registers every definition of the composition root with the Functions host, and drains the
// Kubernetes session pool (closes its keep-alive connections) when the host shuts the worker down.
import { app } from '@azure/functions';
import { loadConfig } from '../shared/config.js';
import { createApp } from './app.js';
import { registerFunctions } from './register.js';

const built = createApp(loadConfig());
registerFunctions(app, built.definitions);
app.hook.appTerminate(() => built.close());
