// The README is part of the product: its configuration table must name every setting the code reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../shared/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the two commands: start locally, run the tests', () => {
    const firstBlock = readme.split('```')[1] ?? '';
    expect(firstBlock).toContain('npm start');
    expect(firstBlock).toContain('npm test');
  });

  it.each(SETTINGS.map((s) => s.name))('documents the setting %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
});
