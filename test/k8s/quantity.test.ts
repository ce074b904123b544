import { describe, expect, it } from 'vitest';
import { cpuMillicores, memoryBytes, parseQuantity, percentOf } from '../../shared/k8s/quantity.js';

describe('Kubernetes quantities', () => {
  it('reads CPU as millicores', () => {
    expect(cpuMillicores('250m')).toBe(250);
    expect(cpuMillicores('2')).toBe(2000);
    expect(cpuMillicores('0.5')).toBe(500);
    expect(cpuMillicores('3860m')).toBe(3860);
    expect(cpuMillicores('1500000n')).toBe(2); // rounded up, as kubectl
    expect(cpuMillicores('523112u')).toBe(524);
    expect(cpuMillicores('0.1')).toBe(100);
  });

  it('reads memory as bytes, binary and decimal suffixes and exponents', () => {
    expect(memoryBytes('1Gi')).toBe(1073741824);
    expect(memoryBytes('512Mi')).toBe(536870912);
    expect(memoryBytes('1024Ki')).toBe(1048576);
    expect(memoryBytes('16393232Ki')).toBe(16393232 * 1024);
    expect(memoryBytes('1e3')).toBe(1000);
    expect(memoryBytes('129e6')).toBe(129_000_000);
    expect(memoryBytes('2G')).toBe(2_000_000_000);
    expect(memoryBytes('119703055367')).toBe(119703055367);
    expect(memoryBytes('1.5Gi')).toBe(1610612736);
  });

  it('gives undefined, never a throw, for what is not a quantity', () => {
    for (const bad of ['', 'abc', '1Gb', '12 Mi', 'Mi', '1..2', undefined, null]) {
      expect(parseQuantity(bad as string | undefined)).toBeUndefined();
    }
    expect(parseQuantity(42)).toBe(42);
    expect(parseQuantity(Number.NaN)).toBeUndefined();
  });

  it('percent of allocatable, null when unknown or zero', () => {
    expect(percentOf(523, 3860)).toBe(13.5);
    expect(percentOf(1, undefined)).toBeNull();
    expect(percentOf(undefined, 100)).toBeNull();
    expect(percentOf(1, 0)).toBeNull();
  });
});
