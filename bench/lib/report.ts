// What a measure hands back, the one printed table (markdown, so it pastes into the README as is), results.json.
import { cpus, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchOptions, MeasureId } from '../options.js';

/** One machine-readable number: results.json holds a flat list of these. */
export interface Measurement {
  id: MeasureId;
  name: string;
  value: number;
  unit: string;
  inputs: Record<string, unknown>;
}

export interface MeasureOutcome {
  id: MeasureId;
  title: string;
  /** The headline number(s). */
  result: string;
  /** The two things compared, both measured in this run. */
  compared: string;
  /** What the result would be with nothing in the way. */
  floor: string;
  /** Past the goal named in `floor` (e.g. P1 > 1.4×, P2 > 2.3 round trips, P4 > 1.1×, P7 < 60 %): marked ⚠. */
  farFromFloor?: boolean;
  notes: string[];
  measurements: Measurement[];
}

export function machine() {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function formatTable(outcomes: readonly MeasureOutcome[]): string {
  const rows = outcomes.map((o) => [o.id, o.title, `${o.result}${o.farFromFloor ? ' ⚠' : ''}`, o.compared, o.floor]);
  const header = ['id', 'measure', 'result', 'compared in the same run', 'floor'];
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)].join('\n');
}

export async function writeResults(path: string, options: BenchOptions, outcomes: readonly MeasureOutcome[], seconds: number): Promise<void> {
  const { only, ...inputs } = options;
  const doc = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    durationSeconds: Math.round(seconds * 10) / 10,
    options: { ...inputs, only: [...only] },
    table: outcomes.map(({ measurements: _, ...row }) => row),
    results: outcomes.flatMap((o) => o.measurements),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(doc, null, 2) + '\n');
}
