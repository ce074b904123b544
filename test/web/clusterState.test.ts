import { describe, expect, it } from 'vitest';
import { availableActions, clusterChip, isReadable, permissionsOf } from '../../web/src/lib/clusterState.js';

const ALL = { start: true, stop: true, delete: true };

describe('state chip', () => {
  const cases: [string | undefined, string | undefined, string, string][] = [
    ['Running', 'Succeeded', 'running', 'Running'],
    ['Stopped', 'Succeeded', 'stopped', 'Stopped'],
    // ARM keeps powerState until the end of the operation: provisioningState tells what is going on
    ['Stopped', 'Starting', 'starting', 'Starting…'],
    ['Running', 'Stopping', 'stopping', 'Stopping…'],
    ['Running', 'Deleting', 'deleting', 'Deleting…'],
    ['Running', 'Failed', 'failed', 'Failed (Running)'],
    ['Stopped', 'Failed', 'failed', 'Failed (Stopped)'],
    [undefined, 'Failed', 'failed', 'Failed'],
    ['Running', 'Upgrading', 'updating', 'Upgrading…'],
    [undefined, undefined, 'unknown', 'Unknown'],
    ['Deallocated', 'Succeeded', 'unknown', 'Deallocated'],
  ];
  for (const [power, provisioning, kind, label] of cases) {
    it(`${power}/${provisioning} → ${label}`, () => {
      const chip = clusterChip({ powerState: power, provisioningState: provisioning });
      expect([chip.kind, chip.label]).toEqual([kind, label]);
      expect(chip.detail).toContain(power ?? 'unknown');
    });
  }

  it('shows our own open transition before ARM has flipped', () => {
    expect(clusterChip({ powerState: 'Stopped', provisioningState: 'Succeeded' }, 'start')).toMatchObject({ kind: 'starting', label: 'Starting…', busy: true });
    expect(clusterChip({ powerState: 'Running', provisioningState: 'Succeeded' }, 'delete')).toMatchObject({ kind: 'deleting', busy: true });
  });

  it('ARM reporting an operation in progress or Failed wins over the pending action', () => {
    expect(clusterChip({ powerState: 'Stopped', provisioningState: 'Failed' }, 'start').kind).toBe('failed');
    expect(clusterChip({ powerState: 'Running', provisioningState: 'Deleting' }, 'stop').kind).toBe('deleting');
  });
});

describe('actions', () => {
  const actionsFor = (powerState: string, provisioningState: string, permissions = ALL, pending?: 'start' | 'stop' | 'delete') => {
    const cluster = { powerState, provisioningState };
    const result = availableActions(cluster, clusterChip(cluster, pending), permissions);
    return { start: result.start.enabled, stop: result.stop.enabled, delete: result.delete.enabled, result };
  };

  it('a stopped cluster can be started and deleted, not stopped', () => {
    expect(actionsFor('Stopped', 'Succeeded')).toMatchObject({ start: true, stop: false, delete: true });
  });

  it('a running cluster can be stopped and deleted, not started', () => {
    expect(actionsFor('Running', 'Succeeded')).toMatchObject({ start: false, stop: true, delete: true });
  });

  it('nothing is possible while an operation is under way', () => {
    expect(actionsFor('Stopped', 'Starting')).toMatchObject({ start: false, stop: false, delete: false });
    const pending = actionsFor('Stopped', 'Succeeded', ALL, 'start');
    expect(pending).toMatchObject({ start: false, stop: false, delete: false });
    expect(pending.result.start.reason).toBe('Cluster is starting');
  });

  it('a failed cluster can still be started again (when stopped) or deleted', () => {
    expect(actionsFor('Stopped', 'Failed')).toMatchObject({ start: true, stop: false, delete: true });
  });

  it('roles gate the buttons and say which role is missing', () => {
    const readOnly = actionsFor('Stopped', 'Succeeded', { start: false, stop: false, delete: false });
    expect(readOnly).toMatchObject({ start: false, stop: false, delete: false });
    expect(readOnly.result.start.reason).toBe('Needs the Cluster.Operate role');
    expect(readOnly.result.delete.reason).toBe('Needs the Cluster.Admin role');
  });

  it("/api/me's permissions decide (operate: start and stop, admin: delete)", () => {
    expect(permissionsOf({ permissions: ['read', 'operate'] })).toEqual({ start: true, stop: true, delete: false });
    expect(permissionsOf({ permissions: ['read'] })).toEqual({ start: false, stop: false, delete: false });
    expect(permissionsOf({ permissions: ['admin'] })).toEqual({ start: false, stop: false, delete: true });
  });

  it('before /api/me has answered, nothing is allowed', () => {
    expect(permissionsOf(undefined)).toEqual({ start: false, stop: false, delete: false });
  });
});

describe('readable (the cards read live data of these clusters only)', () => {
  it('is Running with no start, stop or delete under way, in any case', () => {
    expect(isReadable({ powerState: 'Running', provisioningState: 'Succeeded' })).toBe(true);
    expect(isReadable({ powerState: 'running', provisioningState: 'Failed' })).toBe(true);
    expect(isReadable({ powerState: 'Running', provisioningState: 'Upgrading' })).toBe(true);
    expect(isReadable({ powerState: 'Running', provisioningState: 'Starting' })).toBe(false);
    expect(isReadable({ powerState: 'Running', provisioningState: 'stopping' })).toBe(false);
    expect(isReadable({ powerState: 'Running', provisioningState: 'Deleting' })).toBe(false);
    expect(isReadable({ powerState: 'Stopped', provisioningState: 'Succeeded' })).toBe(false);
    expect(isReadable({})).toBe(false);
  });
});
