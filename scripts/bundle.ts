// `npm run build`: the Function App as an ESM bundle in dist/functions (Azure's guidance for Node cold starts: one
// file to read and parse instead of thousands in node_modules). Source maps point stack traces at the TypeScript.
//   dist/functions/index.js  the entry `func start` and Azure load (package.json `main`): registers the functions
//   dist/functions/app.js    the composition root alone (createApp), for a host of one's own
//   dist/functions/chunks/   code both share, and what loads later: @kubernetes/client-node with the first session
// Nothing in node_modules is needed at run time, so the deployment package is dist/, host.json and package.json.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export function bundleOptions(outdir = 'dist/functions'): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: root,
    entryPoints: { index: 'functions/index.ts', app: 'functions/app.ts' },
    outdir,
    bundle: true,
    splitting: true, // dynamic import() becomes a chunk loaded on first use
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    sourcesContent: false, // mappings only: stack traces need no sources, and a smaller map parses faster at start
    keepNames: true, // error names (RestError, AbortError…) are compared at run time
    metafile: true,
    logLevel: 'warning',
    // Provided by the Functions worker at run time.
    external: ['@azure/functions-core'],
    // CommonJS dependencies call require() for Node's own modules; an ES module has none of its own.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  };
}

export async function bundle(outdir = 'dist/functions'): Promise<Metafile> {
  await rm(new URL(`../${outdir}/`, import.meta.url), { recursive: true, force: true });
  const result = await build(bundleOptions(outdir));
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const metafile = await bundle();
  const sizes = Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, output]) => `${file} ${(output.bytes / 1024).toFixed(0)} KiB`);
  console.log(sizes.join('\n'));
}
