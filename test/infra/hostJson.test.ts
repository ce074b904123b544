// host.json for the Functions v4 host on Flex Consumption.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../shared/config.js';

interface HostJson {
  version?: string;
  functionTimeout?: string;
  logging?: { logLevel?: Record<string, string> };
  extensionBundle?: { id?: string; version?: string };
}

const host = JSON.parse(readFileSync(fileURLToPath(new URL('../../host.json', import.meta.url)), 'utf8')) as HostJson;
const LOG_LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'];

/** Seconds of a host.json timespan ([d.]hh:mm:ss), or undefined when it is not one. */
function timespanSeconds(value: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):([0-5]\d):([0-5]\d)$/.exec(value);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2]) * 3_600 + Number(m[3]) * 60 + Number(m[4]);
}

describe('host.json', () => {
  it('is a version 2.0 host file on the v4 extension bundle', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
  });

  it('bounds every run within Flex Consumption limits, above what the code itself bounds', () => {
    const seconds = timespanSeconds(host.functionTimeout ?? '');
    expect(seconds, `functionTimeout "${host.functionTimeout}"`).toBeDefined();
    // Flex Consumption defaults to 30 min (unbounded allowed): cap it there so a hung run cannot bill for hours.
    expect(seconds!).toBeGreaterThan(0);
    expect(seconds!).toBeLessThanOrEqual(30 * 60);
    // The host must not kill a run before the app's own bounds end it: one upstream call, one timer budget.
    const defaults = loadConfig({ TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(seconds!).toBeGreaterThan(defaults.upstream.timeoutMs / 1000);
    expect(seconds!).toBeGreaterThan(defaults.refresh.budgetSeconds);
  });

  it('sets valid log levels, a default among them', () => {
    const levels = host.logging?.logLevel ?? {};
    expect(levels.default).toBeDefined();
    for (const [category, level] of Object.entries(levels)) expect(LOG_LEVELS, `${category}: ${level}`).toContain(level);
  });
});
