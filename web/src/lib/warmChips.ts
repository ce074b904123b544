// The warm database chips of a cluster: what each says, how it is coloured, and how often they are polled.
import type { WarmDatabase } from './categoryData.js';
import { formatShortDuration } from './format.js';

/** Chips poll every 5 s while a database is loading or stale (something will change soon), else every 60 s. */
export const WARM_CHIPS_FAST_MS = 5_000;
export const WARM_CHIPS_IDLE_MS = 60_000;

export function warmChipsIntervalMs(databases: readonly WarmDatabase[] | undefined): number {
  return databases?.some((d) => d.status === 'loading' || d.status === 'stale') ? WARM_CHIPS_FAST_MS : WARM_CHIPS_IDLE_MS;
}

export interface WarmChip {
  /** "core_nt 3/3", "refseq_protein 1/3 · 42% · ~5m left", "nr failed 1/3", "pdbaa re-warm needed". */
  label: string;
  /** The name and the state's words apart, for styling. */
  name: string;
  detail: string;
  /** Hover text: the counts, the stale reason, the versions, the time taken. */
  title: string;
}

export function warmChip(db: WarmDatabase): WarmChip {
  const counts = `${db.ready}/${db.total}`;
  let detail: string;
  switch (db.status) {
    case 'ready':
      detail = counts;
      break;
    case 'loading': {
      const parts = [counts];
      if (db.progress) parts.push(`${Math.round(db.progress.percent)}%`);
      if (db.progress?.etaSeconds !== undefined) parts.push(`~${formatShortDuration(db.progress.etaSeconds)} left`);
      detail = parts.join(' · ');
      break;
    }
    case 'failed':
      detail = `failed ${db.failed}/${db.total}`;
      break;
    case 'stale':
      detail = 're-warm needed';
      break;
    default:
      detail = counts;
  }
  const title = [
    `${db.name}: ${db.ready} of ${db.total} ${db.total === 1 ? 'job' : 'jobs'} ready`,
    db.active ? `${db.active} active` : '',
    db.failed ? `${db.failed} failed` : '',
    db.staleReason ? `re-warm needed: ${db.staleReason}` : '',
    db.shards.length ? `shards ${db.shards.join(', ')}` : '',
    db.sourceVersions.length ? `source ${db.sourceVersions.length > 1 ? 'versions' : 'version'} ${db.sourceVersions.join(', ')}` : '',
    db.elapsedSeconds !== undefined ? `${db.status === 'loading' ? 'running for' : 'took'} ${formatShortDuration(db.elapsedSeconds)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return { label: `${db.name} ${detail}`, name: db.name, detail, title };
}

const ORDER: Record<WarmDatabase['status'], number> = { failed: 0, stale: 1, loading: 2, ready: 3, unknown: 4 };

/** What needs attention first, then by name. */
export const sortWarmDatabases = (databases: readonly WarmDatabase[]): WarmDatabase[] =>
  [...databases].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.name.localeCompare(b.name));
