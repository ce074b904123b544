// The repository stands on its own: every pointer in it leads to a file in it. Design notes live in
// docs/architecture.md; no source, test or document may send a reader to material outside the repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'test-artifacts', 'bench-results']);
const TEXT = /\.(ts|tsx|js|mjs|json|md|bicep|yaml|yml|css|html)$|^\.ci$|^run$/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIPPED.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (TEXT.test(name) && name !== 'package-lock.json') yield path;
  }
}

// Built from parts so this file does not match itself.
const OUTSIDE = [['DESIGN', '.md'].join(''), ['DESIGN', ' §'].join('')];
// From a file at the top level, `../shared/` is beside the repository (inside it, `shared/` is the app's library).
const OUTSIDE_FROM_TOP = ['..', 'shared', ''].join('/');

describe('the repository is self-contained', () => {
  it('has its own architecture document', () => {
    expect(readFileSync(join(root, 'docs/architecture.md'), 'utf8')).toContain('## 3. The cache contract');
  });

  it('no file points to material outside the repository', () => {
    const offenders: string[] = [];
    for (const path of files(root)) {
      const text = readFileSync(path, 'utf8');
      const name = relative(root, path);
      const markers = name.includes('/') ? OUTSIDE : [...OUTSIDE, OUTSIDE_FROM_TOP];
      for (const marker of markers) if (text.includes(marker)) offenders.push(`${name}: ${marker}`);
    }
    expect(offenders).toEqual([]);
  });
});
