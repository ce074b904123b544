// The deployment bundle (npm run build): its two entries, source maps, and @kubernetes/client-node outside what the
// app loads at start (reached only through the dynamic import of the first session). Read from esbuild's metafile.
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.js';

const OUT = 'test-artifacts/bundle';

describe('npm run build', () => {
  it('bundles index.js (package main) and app.js with source maps; client-node loads only with the first session', async () => {
    const metafile = await bundle(OUT);
    const outputs = metafile.outputs;
    for (const entry of ['index', 'app']) {
      expect(outputs[`${OUT}/${entry}.js`]).toBeDefined();
      expect(existsSync(`${OUT}/${entry}.js.map`)).toBe(true);
    }
    // Every file a static import pulls in when an entry loads.
    const loadedAtStart = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen;
      seen.add(file);
      for (const imported of outputs[file]?.imports ?? []) {
        if (imported.kind === 'import-statement' && !imported.external) loadedAtStart(imported.path, seen);
      }
      return seen;
    };
    const holdsClientNode = (file: string) => Object.keys(outputs[file]?.inputs ?? {}).some((input) => input.includes('node_modules/@kubernetes/client-node/'));
    for (const entry of ['index', 'app']) {
      const files = [...loadedAtStart(`${OUT}/${entry}.js`)];
      expect(files.filter(holdsClientNode), entry).toEqual([]);
    }
    const lazy = Object.keys(outputs).filter(holdsClientNode);
    expect(lazy).toHaveLength(1);
    const importers = Object.entries(outputs).filter(([, output]) => output.imports.some((i) => i.path === lazy[0] && i.kind === 'dynamic-import'));
    expect(importers).not.toHaveLength(0);
    // Outside the bundle: Node's own modules, the Functions worker's module, and ws's optional native add-ons (it
    // requires them in a try and does without).
    const external = new Set(Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
    const others = [...external].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
    for (const name of others) expect(['@azure/functions-core', 'bufferutil', 'utf-8-validate']).toContain(name);
    expect(external.has('@azure/functions-core')).toBe(true);
  }, 60_000);
});
