// The live part of a running cluster in the AKS card: each node's CPU and memory (top-nodes) and the warm database
// chips (warmup-status). Chips poll every 5 s while a database is loading or stale, else every 60 s; a chip opens
// the per-node warm-up view (the cluster's details) as its drill-down.
import { useCallback } from 'react';
import type { Category, Envelope, NodeUsage, Scope, WarmupStatus } from '../lib/api.js';
import { barPercent, formatBytes, formatMillicores } from '../lib/format.js';
import { categoryKey } from '../lib/keys.js';
import { sortWarmDatabases, warmChip, warmChipsIntervalMs } from '../lib/warmChips.js';
import { DegradedLine, Freshness } from './bits.js';
import { usePollErrors } from './errors.js';
import { usePoll, useServices } from './services.js';

interface Props {
  scope: Scope;
  cluster: string;
  pollSeconds: number;
  now: number;
  onDrill: (cluster: string, category: Category) => void;
}

export function ClusterLive({ scope, cluster, pollSeconds, now, onDrill }: Props) {
  const { api, poller } = useServices();
  const usageKey = categoryKey(scope, cluster, 'top-nodes');
  const warmKey = categoryKey(scope, cluster, 'warmup-status');
  const loadUsage = useCallback(() => api.category(scope, cluster, 'top-nodes'), [api, scope, cluster]);
  const loadWarm = useCallback(() => api.category(scope, cluster, 'warmup-status'), [api, scope, cluster]);
  const usage = usePoll<Envelope<NodeUsage[]>>(usageKey, loadUsage, pollSeconds * 1000);
  // the chips' interval follows what they show: each answer re-renders this view, which sets the next interval
  const warmInterval = warmChipsIntervalMs(poller.get<Envelope<WarmupStatus>>(warmKey)?.data?.data?.databases);
  const warm = usePoll<Envelope<WarmupStatus>>(warmKey, loadWarm, warmInterval);
  const databases = warm.data?.data?.databases;
  usePollErrors(usageKey, `Could not load the node load of ${cluster}`, usage);
  usePollErrors(warmKey, `Could not load the warm databases of ${cluster}`, warm);

  const nodes = usage.data?.data ? [...usage.data.data].sort((a, b) => a.name.localeCompare(b.name)) : undefined;
  const degraded = [...(usage.data?.degraded ?? []), ...(warm.data?.degraded ?? [])];

  return (
    <div className="live" data-testid={`live-${cluster}`}>
      <div className="live-section">
        <div className="section-head">
          <h4>Node load</h4>
          <Freshness envelopes={[usage.data, warm.data]} now={now} testId={`cache-info-${cluster}`} />
        </div>
        {!usage.data && <p className="quiet">{usage.error === undefined ? 'Reading node metrics…' : 'Node metrics could not be read.'}</p>}
        {nodes && nodes.length === 0 && <p className="quiet">No node metrics (metrics-server has none yet).</p>}
        {nodes && nodes.length > 0 && (
          <ul className="node-load" data-testid={`node-bars-${cluster}`} aria-label={`CPU and memory per node of ${cluster}`}>
            {nodes.map((n) => (
              <li key={n.name} data-testid={`node-bar-${n.name}`}>
                <span className="node-name mono" title={n.name}>
                  {n.name}
                </span>
                <Meter label={`CPU of ${n.name}`} short="CPU" percent={n.cpuPercent} amount={formatMillicores(n.cpuMillicores)} />
                <Meter label={`Memory of ${n.name}`} short="Mem" percent={n.memoryPercent} amount={formatBytes(n.memoryBytes)} />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="live-section">
        <div className="section-head">
          <h4>Warm databases</h4>
          {databases && databases.length > 0 && (
            <span className="quiet small" data-testid={`db-poll-${cluster}`} data-interval-seconds={warmInterval / 1000}>
              {warmInterval < 60_000 ? `checking every ${warmInterval / 1000} s` : ''}
            </span>
          )}
        </div>
        {!warm.data && <p className="quiet">{warm.error === undefined ? 'Reading warm-up jobs…' : 'The warm-up status could not be read.'}</p>}
        {databases && databases.length === 0 && <p className="quiet">No warm-up jobs on this cluster.</p>}
        {databases && databases.length > 0 && (
          <ul className="db-chips" data-testid={`db-chips-${cluster}`} aria-label={`Warm databases of ${cluster}`}>
            {sortWarmDatabases(databases).map((db) => {
              const chip = warmChip(db);
              return (
                <li key={db.name}>
                  <button
                    type="button"
                    className={`dbchip dbchip-${db.status}`}
                    data-testid={`db-chip-${cluster}-${db.name}`}
                    data-status={db.status}
                    title={`${chip.title} · open the per-node warm-up view`}
                    aria-label={`${chip.label}. ${chip.title}. Open the per-node warm-up view`}
                    style={db.status === 'loading' && db.progress ? { ['--progress' as string]: `${db.progress.percent}%` } : undefined}
                    onClick={() => onDrill(cluster, 'warmup-status')}
                  >
                    <span className="dbchip-name">{chip.name}</span> <span className="dbchip-detail">{chip.detail}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      <DegradedLine degraded={degraded} />
    </div>
  );
}

/** A compact meter: label, a thin bar (coloured only from 70 %), the percent; the amount on hover. */
function Meter({ label, short, percent, amount }: { label: string; short: string; percent: number | undefined; amount: string }) {
  const value = barPercent(percent);
  const level = value === undefined ? 'unknown' : value >= 90 ? 'high' : value >= 70 ? 'mid' : 'low';
  const text = value === undefined ? amount : `${Math.round(value)}%`;
  return (
    <span className={`meter bar-${level}`} title={`${label}: ${amount}${value === undefined ? '' : ` (${Math.round(value)}% of allocatable)`}`}>
      <span className="meter-label">{short}</span>
      <span
        className="bar"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value === undefined ? undefined : Math.round(value)}
        aria-valuetext={`${amount}${value === undefined ? '' : `, ${Math.round(value)}% of allocatable`}`}
      >
        <span className="bar-fill" style={{ width: `${value ?? 0}%` }} />
      </span>
      <span className="meter-value">{text}</span>
    </span>
  );
}
