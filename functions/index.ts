// Entry of the Functions host (func start, Azure; package.json `main` is its bundle, dist/functions/index.js).
// Source maps are turned on before the rest of the app loads (they apply to files loaded after), so stack traces
// name the TypeScript; then start.ts registers the functions.
process.setSourceMapsEnabled(true);
await import('./start.js');
