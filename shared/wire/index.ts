// The wire contract: the shapes of every answer the API sends. The server's handlers return these types and the
// dashboard's parsers read them, so a change on one side that breaks the other fails typecheck.
// Plain TypeScript with no runtime dependency: both the Node build and the browser bundle import it.
export * from './autostop.js';
export * from './categories.js';
export * from './cost.js';
export * from './fleet.js';
export * from './jobs.js';
export * from './lifecycle.js';
export * from './monitor.js';
export * from './notifications.js';
export * from './operations.js';
export * from './registry.js';
export * from './storage.js';
export * from './subscriptions.js';
