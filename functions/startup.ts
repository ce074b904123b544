// What the Functions entry registers: the app, or, when a setting is refused at start-up, stand-ins that answer
// 500 `misconfigured` on every route (/api/health included). The refusal is logged first; a host that starts anyway
// then serves nothing at all with the refused setting (development auth in Azure must never answer a caller).
import type { HttpRequest } from '@azure/functions';
import { ConfigError, loadConfig, type Env } from '../shared/config.js';
import { ApiError } from '../shared/http/errors.js';
import { errorResponse } from '../shared/http/pipeline.js';
import { REQUEST_ID_HEADER, resolveRequestId } from '../shared/observability/requestId.js';
import { createApp } from './app.js';
import type { FunctionDefinition, HttpFunctionDefinition } from './definition.js';

export interface Startup {
  definitions: FunctionDefinition[];
  /** The refused setting, when the app did not start. */
  problem?: ConfigError;
  close(): Promise<void>;
}

const EVERY_METHOD: HttpFunctionDefinition['methods'] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Every route answers 500 misconfigured, naming the setting (not its value, which may be a secret). */
export function misconfiguredFunctions(problem: ConfigError): HttpFunctionDefinition[] {
  const error = new ApiError(500, 'misconfigured', `The app refused its configuration (setting ${problem.setting}); the start-up log says why`);
  // Open to everyone: it only says the app did not start, to whoever asks.
  const handler: HttpFunctionDefinition['handler'] = Object.assign(
    (request: HttpRequest) => Promise.resolve(errorResponse(error, resolveRequestId(request.headers.get(REQUEST_ID_HEADER)))),
    { auth: 'none' as const },
  );
  return [
    { kind: 'http', name: 'health', route: 'health', methods: ['GET'], handler },
    { kind: 'http', name: 'misconfigured', route: '{*path}', methods: EVERY_METHOD, handler },
  ];
}

export function startFunctions(env?: Env, log: (line: string) => void = console.error): Startup {
  try {
    const built = createApp(loadConfig(env));
    return {
      definitions: built.definitions,
      close: async () => {
        await built.close();
      },
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log(`configuration refused: ${error.message}`);
    return { definitions: misconfiguredFunctions(error), problem: error, close: async () => {} };
  }
}
