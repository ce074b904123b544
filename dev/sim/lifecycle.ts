// The scripted power-state timeline of start / stop / delete, as AKS runs them (and AKS's 409 wording when one
// cannot begin):
//   start:  provisioningState Starting, powerState Running at once (ordering 'target', real AKS) or still Stopped
//           ('previous'); at the end the API server listens (on a new port with apiServerOnStart 'newPort'),
//           then Running / Succeeded.
//   stop:   Stopping, powerState Stopped at once ('target') or still Running ('previous'); at the end the API
//           server stops listening, then Stopped / Succeeded.
//   delete: Deleting; at the end the cluster is gone (GET → 404).
// Each kind ends after its configured duration, or, with 'manual', when the test calls complete().
import { randomUUID } from 'node:crypto';
import type { SimCluster } from './cluster.js';
import type { FleetSpec, PowerStateCode, StateOrdering } from './fleetSpec.js';

export type OperationKind = 'start' | 'stop' | 'delete';
/** Milliseconds until the operation ends by itself, or 'manual' (ends only through completeOperation). */
export type OperationDuration = number | 'manual';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface OperationOutcome {
  /** Default Succeeded. */
  status?: 'Succeeded' | 'Failed' | 'Canceled';
  /** Power state after a Failed/Canceled end (default: unchanged). Failed + Running is what users report. */
  powerState?: PowerStateCode;
  /** Error of the status document of a Failed operation. */
  error?: { code: string; message: string };
}

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  cluster: SimCluster;
  status: OperationStatus;
  startTime: Date;
  endTime?: Date;
  error?: { code: string; message: string };
}

export class ConflictError extends Error {}

/** How AKS names an operation in its conflict messages. */
const OPERATION_NAME: Record<OperationKind, string> = { start: 'start', stop: 'stop', delete: 'delete' };

/** AKS's elapsed-time wording: "00:00:07", or "7 days and 01:16:37". */
export function elapsedText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days} days and ${clock}` : clock;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const ACTIVE_STATE: Record<OperationKind, 'Starting' | 'Stopping' | 'Deleting'> = {
  start: 'Starting',
  stop: 'Stopping',
  delete: 'Deleting',
};

export class Lifecycle {
  private readonly operations = new Map<string, OperationRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly finishing = new Map<string, Promise<void>>();
  /** The last start/stop/delete begun per cluster (AKS quotes it in a refusal); before any, the simulator's start. */
  private readonly lastBegun = new WeakMap<SimCluster, { kind: OperationKind; at: Date }>();
  private readonly startedAt = new Date();

  private readonly ordering: StateOrdering;
  private readonly newPortOnStart: boolean;

  constructor(
    private durations: Record<OperationKind, OperationDuration>,
    private readonly onDeleted: (cluster: SimCluster) => void,
    fleet: Pick<FleetSpec, 'stateOrdering' | 'apiServerOnStart'> = {},
  ) {
    this.ordering = fleet.stateOrdering ?? 'target';
    this.newPortOnStart = fleet.apiServerOnStart === 'newPort';
  }

  setDurations(durations: Partial<Record<OperationKind, OperationDuration>>): void {
    this.durations = { ...this.durations, ...durations };
  }

  get(id: string): OperationRecord | undefined {
    return this.operations.get(id.toLowerCase());
  }

  /** Opens an operation, or throws ConflictError with AKS's message. */
  begin(cluster: SimCluster, kind: OperationKind): OperationRecord {
    const open = cluster.operation;
    if (open) {
      throw new ConflictError(
        `Operation is not allowed because there's an in progress ${OPERATION_NAME[open.kind]} managed cluster operation (operation ID: ${open.id}) started on UTC ${rfc3339(open.startedAt)}. Please wait for it to finish before starting a new operation.`,
      );
    }
    const last = this.lastBegun.get(cluster) ?? { kind, at: this.startedAt };
    const since = `started at '${rfc3339(last.at)}' and elapsed time is: '${elapsedText(Date.now() - last.at.getTime())}' (RFC3339 format)`;
    if (kind === 'start' && cluster.powerState === 'Running' && cluster.provisioningState === 'Succeeded') {
      throw new ConflictError(
        `managed cluster is in Provisioning State(Succeeded) and Power State(Running), starting cannot be performed The previous operation ${since}`,
      );
    }
    if (kind === 'stop' && cluster.powerState === 'Stopped' && cluster.provisioningState === 'Succeeded') {
      throw new ConflictError(`managed cluster is not currently running, stopping cannot be performed; The ${OPERATION_NAME[last.kind]} operation ${since}`);
    }
    const record: OperationRecord = { id: randomUUID(), kind, cluster, status: 'InProgress', startTime: new Date() };
    this.lastBegun.set(cluster, { kind, at: record.startTime });
    this.operations.set(record.id, record);
    cluster.operation = { id: record.id, kind, startedAt: record.startTime };
    cluster.provisioningState = ACTIVE_STATE[kind];
    if (this.ordering === 'target' && kind !== 'delete') cluster.powerState = kind === 'start' ? 'Running' : 'Stopped';
    const duration = this.durations[kind];
    if (duration !== 'manual') {
      const timer = setTimeout(() => void this.complete(cluster).catch(() => undefined), duration);
      timer.unref();
      this.timers.set(record.id, timer);
    }
    return record;
  }

  /**
   * Ends the cluster's open operation now. Resolves once ARM reports the end state (for a start: after the API
   * server listens, so a caller that sees Running can connect).
   */
  complete(cluster: SimCluster, outcome: OperationOutcome = {}): Promise<void> {
    const open = cluster.operation;
    if (!open) return Promise.reject(new Error(`cluster ${cluster.resourceGroup}/${cluster.name} has no operation in progress`));
    const pending = this.finishing.get(open.id);
    if (pending) return pending;
    const done = this.finish(cluster, this.operations.get(open.id)!, outcome).finally(() => this.finishing.delete(open.id));
    this.finishing.set(open.id, done);
    return done;
  }

  private async finish(cluster: SimCluster, record: OperationRecord, outcome: OperationOutcome): Promise<void> {
    clearTimeout(this.timers.get(record.id));
    this.timers.delete(record.id);
    const status = outcome.status ?? 'Succeeded';
    if (status === 'Succeeded') {
      if (record.kind === 'start') {
        await cluster.startApiServer({ newPort: this.newPortOnStart });
        cluster.powerState = 'Running';
      } else {
        await cluster.stopApiServer();
        cluster.powerState = 'Stopped';
      }
      cluster.provisioningState = 'Succeeded';
    } else {
      const powerState = outcome.powerState ?? cluster.powerState;
      if (powerState === 'Running') await cluster.startApiServer();
      else await cluster.stopApiServer();
      cluster.powerState = powerState;
      cluster.provisioningState = status;
      record.error = outcome.error ?? {
        code: status === 'Failed' ? 'OperationFailed' : 'OperationCanceled',
        message: `The ${record.kind} operation of ${cluster.name} ${status === 'Failed' ? 'failed' : 'was canceled'}.`,
      };
    }
    cluster.operation = undefined;
    record.status = status;
    record.endTime = new Date();
    if (record.kind === 'delete' && status === 'Succeeded') {
      cluster.deleted = true;
      this.onDeleted(cluster);
    }
  }

  /** Stops every timer (simulator shutdown). */
  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
