// The layering, checked on the real import statements: shared/ is a library below the Functions (functions/) and the
// local stack (dev/); inside it, shared/http is the request pipeline, which only the functions and the pipeline itself
// use, and which knows no domain (a domain's fields are validated with the domain or in functions/). Services, caches
// and clients report through shared/errors.ts and shared/observability instead. The audit trail sits below the
// lifecycle, which writes to it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(name)) yield path;
  }
}

/** Every relative import of a file, as a path from the repository's root ("shared/http/errors.ts"). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\('(\.[^']+)'\)/g)];
  return specifiers.map((m) => relative(root, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
}

/** [importer, imported] for every relative import in these folders. */
function edges(...folders: string[]): [string, string][] {
  return folders.flatMap((folder) =>
    [...sources(join(root, folder))].flatMap((file) => importsOf(file).map((to): [string, string] => [relative(root, file), to])),
  );
}

describe('the import graph', () => {
  const all = edges('shared', 'functions', 'dev');

  it('sees the imports it checks (the scan works)', () => {
    expect(all).toContainEqual(['functions/app.ts', 'shared/config.ts']);
    expect(all.length).toBeGreaterThan(200);
  });

  it('shared/ never imports functions/ or dev/', () => {
    const upward = all.filter(([from, to]) => from.startsWith('shared/') && (to.startsWith('functions/') || to.startsWith('dev/')));
    expect(upward).toEqual([]);
  });

  it('only functions/ and shared/http import shared/http', () => {
    const intoPipeline = all.filter(([from, to]) => to.startsWith('shared/http/') && !from.startsWith('functions/') && !from.startsWith('shared/http/'));
    expect(intoPipeline).toEqual([]);
  });

  it('shared/http imports no domain folder: only itself, shared/*.ts, shared/observability and shared/wire', () => {
    const allowed = (to: string) =>
      !to.startsWith('shared/') || /^shared\/[^/]+\.ts$/.test(to) || ['shared/http/', 'shared/observability/', 'shared/wire/'].some((p) => to.startsWith(p));
    const intoDomains = all.filter(([from, to]) => from.startsWith('shared/http/') && !allowed(to));
    expect(intoDomains).toEqual([]);
  });

  it('shared/audit imports nothing of shared/lifecycle (the lifecycle writes the audit trail)', () => {
    const upward = all.filter(([from, to]) => from.startsWith('shared/audit/') && to.startsWith('shared/lifecycle/'));
    expect(upward).toEqual([]);
  });

  it('shared/errors.ts and shared/observability stay below everything else in shared/', () => {
    const low = (path: string) => path === 'shared/errors.ts' || path.startsWith('shared/observability/');
    const upward = all.filter(([from, to]) => low(from) && to.startsWith('shared/') && !low(to));
    expect(upward).toEqual([]);
  });
});
