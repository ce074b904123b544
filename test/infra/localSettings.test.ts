// local.settings.sample.json: what `func start` reads locally, against the config module's SETTINGS (read at test
// time, so settings added later must show up here too).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PLATFORM_SETTINGS, SETTINGS, loadConfig } from '../../shared/config.js';
import { LOCAL_HOST_SETTINGS } from './functionsSettings.js';

const sample = JSON.parse(readFileSync(fileURLToPath(new URL('../../local.settings.sample.json', import.meta.url)), 'utf8')) as {
  IsEncrypted?: boolean;
  Values?: Record<string, unknown>;
};
const values = sample.Values ?? {};
const settingNames: string[] = SETTINGS.map((s) => s.name);
const platformSettings: readonly string[] = PLATFORM_SETTINGS;

describe('local.settings.sample.json', () => {
  it('is an unencrypted settings file of string values', () => {
    expect(sample.IsEncrypted).toBe(false);
    for (const [key, value] of Object.entries(values)) expect(typeof value, key).toBe('string');
  });

  it('runs the Node worker with the local storage the host needs', () => {
    expect(values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(values.AzureWebJobsStorage).toEqual(expect.stringMatching(/\S/));
  });

  it('lists every setting shared/config.ts reads (platform-set ones may be omitted)', () => {
    const missing = settingNames.filter((name) => !platformSettings.includes(name) && !(name in values));
    expect(missing).toEqual([]);
  });

  it('holds nothing but the config module\'s settings and the Functions host\'s own keys', () => {
    const unknown = Object.keys(values).filter((key) => !settingNames.includes(key) && !LOCAL_HOST_SETTINGS.includes(key));
    expect(unknown).toEqual([]);
  });

  it('loads as it stands', () => {
    expect(() => loadConfig(values as Record<string, string>)).not.toThrow();
  });
});
