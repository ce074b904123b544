import type { app as functionsApp } from '@azure/functions';
import type { FunctionDefinition } from './definition.js';

/** Registers every definition with the Functions host. Anonymous auth: App Service Authentication guards the app. */
export function registerFunctions(app: Pick<typeof functionsApp, 'http' | 'timer'>, definitions: readonly FunctionDefinition[]): void {
  for (const definition of definitions) {
    if (definition.kind === 'http') {
      app.http(definition.name, {
        route: definition.route,
        methods: definition.methods,
        authLevel: 'anonymous',
        handler: definition.handler,
      });
    } else {
      app.timer(definition.name, {
        schedule: definition.schedule,
        runOnStartup: definition.runOnStartup,
        handler: definition.handler,
      });
    }
  }
}
