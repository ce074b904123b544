// One cluster in the AKS card: its state, what it runs on, start / stop / delete, its live load and warm databases
// (running clusters), its schedules, and the per-cluster details as the drill-down.
import { useId, type ReactNode } from 'react';
import { clusterCostLine, estimateNote, type Category, type Cluster, type ClusterCost, type LifecycleAction, type Scope } from '../lib/api.js';
import type { CardError } from '../lib/cardErrors.js';
import { portalUrl, transitionText, type ActionAvailability, type StateChip } from '../lib/clusterState.js';
import { formatAge } from '../lib/format.js';
import { ClusterDetails } from './ClusterDetails.js';
import { CardErrorLine } from './errors.js';

interface Props {
  scope: Scope;
  cluster: Cluster;
  chip: StateChip;
  actions: Record<LifecycleAction, ActionAvailability>;
  /** A lifecycle request for this cluster is on its way. */
  sending?: LifecycleAction;
  /** The last action's error, shown on this card until the cluster's state changes. */
  error?: CardError;
  onDismissError(cluster: string): void;
  now: number;
  /** The details' tab to open (undefined: details closed), and a counter so asking again re-opens that tab. */
  drill?: { category: Category; request: number };
  pollSeconds: number;
  onToggle(cluster: string): void;
  onAction(cluster: string, action: LifecycleAction): void;
  onDelete(cluster: string): void;
  /** What it costs while running (an estimate), with the date of the prices. */
  cost?: { cluster: ClusterCost; currency: string; pricesAsOf?: string };
  /** The idle auto-stop control (running clusters, when the API has auto-stop). */
  autoStop?: ReactNode;
  /** The live part: node load and warm database chips (running clusters only). */
  live?: ReactNode;
  /** Shown under the actions: the cluster's schedules and activity. */
  extra?: ReactNode;
}

const LABEL: Record<LifecycleAction, string> = { start: 'Start', stop: 'Stop', delete: 'Delete' };

/** "westeurope · Kubernetes 1.31.2 · system 1 × Standard_D4s_v5 · db 4 × Standard_E16s_v5". */
function facts(cluster: Cluster): string[] {
  return [
    cluster.location ?? '',
    cluster.kubernetesVersion ? `Kubernetes ${cluster.kubernetesVersion}` : '',
    ...cluster.nodePools.map((p) => `${p.name} ${p.count ?? '?'} × ${p.vmSize ?? '?'}${p.mode === 'System' ? ' (system)' : ''}`),
  ].filter(Boolean);
}

export function ClusterCard(props: Props) {
  const { scope, cluster, chip, actions, sending, drill, pollSeconds, now } = props;
  const transition = cluster.transition;
  const name = cluster.name;
  const headingId = useId();
  const reasonsId = useId();
  const detailsId = `details-${name}`;
  const reasons = (Object.keys(LABEL) as LifecycleAction[])
    .filter((a) => !actions[a].enabled && actions[a].reason)
    .map((a) => `${LABEL[a]}: ${actions[a].reason}`);

  const button = (action: LifecycleAction) => (
    <button
      type="button"
      className={`small${action === 'delete' ? ' danger' : ''}${sending === action ? ' is-sending' : ''}`}
      data-testid={`${action}-button-${name}`}
      aria-label={`${LABEL[action]} ${name}`}
      title={actions[action].reason}
      disabled={!actions[action].enabled || sending !== undefined}
      aria-busy={sending === action}
      onClick={() => (action === 'delete' ? props.onDelete(name) : props.onAction(name, action))}
    >
      {/* the label keeps its width while the request is on its way: a spinner, never longer text that wraps the row */}
      {sending === action && <span className="spinner" aria-hidden="true" />}
      {LABEL[action]}
    </button>
  );

  return (
    <article className={`cluster cluster-${chip.kind}`} data-testid={`cluster-card-${name}`} data-state={chip.kind} aria-labelledby={headingId}>
      <header className="cluster-head">
        <div className="cluster-title">
          <h3 id={headingId} title={cluster.fqdn ? `API server ${cluster.fqdn}` : undefined}>
            {name}
          </h3>
          <span className={`chip chip-${chip.kind}`} data-testid={`state-chip-${name}`} data-state={chip.kind} title={chip.detail}>
            {chip.busy && <span className="spinner" aria-hidden="true" />}
            {chip.label}
            <span className="sr-only"> ({chip.detail})</span>
          </span>
          {sending && (
            <span className="sending quiet small" role="status" data-testid={`sending-${name}`}>
              sending {sending}…
            </span>
          )}
          {!sending && transition && (
            <span className="transition-text quiet small" data-testid={`transition-text-${name}`}>
              {transitionText(transition, now, formatAge)}
            </span>
          )}
        </div>
        <div className="actions" role="group" aria-label={`Actions for ${name}`} aria-describedby={reasons.length ? reasonsId : undefined}>
          {button('start')}
          {button('stop')}
          {button('delete')}
          <button
            type="button"
            className="small"
            data-testid={`details-toggle-${name}`}
            aria-expanded={drill !== undefined}
            aria-controls={detailsId}
            onClick={() => props.onToggle(name)}
          >
            {drill ? 'Hide details' : 'Details'}
          </button>
        </div>
        {reasons.length > 0 && (
          <p id={reasonsId} className="sr-only">
            {reasons.join('. ')}
          </p>
        )}
      </header>
      {props.error && <CardErrorLine error={props.error} onDismiss={() => props.onDismissError(name)} />}
      <p className="cluster-facts">
        <span data-testid={`arm-state-${name}`} title="What Azure Resource Manager reports">
          power {cluster.powerState ?? 'unknown'} · provisioning {cluster.provisioningState ?? 'unknown'}
        </span>
        {facts(cluster).map((fact, i) => (
          <span key={i}>{fact}</span>
        ))}
        <span>
          <a href={portalUrl(scope, cluster)} target="_blank" rel="noreferrer" data-testid={`portal-link-${name}`}>
            Azure portal ↗
          </a>
        </span>
      </p>

      {props.cost && <CostLine {...props.cost} />}
      {props.autoStop}
      {props.live}
      {props.extra}

      {drill && (
        <div id={detailsId}>
          <ClusterDetails key={drill.request} scope={scope} cluster={name} pollSeconds={pollSeconds} initialCategory={drill.category} />
        </div>
      )}
    </article>
  );
}

/** "≈ $2.89/h · $2,111/mo · $10.12 since start", always an estimate, the prices' date on hover. */
function CostLine({ cluster, currency, pricesAsOf }: { cluster: ClusterCost; currency: string; pricesAsOf?: string }) {
  const line = clusterCostLine(cluster, currency);
  if (line) {
    return (
      <p className="cost-line" data-testid={`cost-${cluster.cluster}`} title={estimateNote(pricesAsOf)}>
        {line} <span className="estimate">estimate</span>
      </p>
    );
  }
  if (!cluster.priced && cluster.powerState === 'Running') {
    return (
      <p className="cost-line quiet" data-testid={`cost-${cluster.cluster}`} title={cluster.unpricedPools.join(', ')}>
        Cost unknown: no list price for {cluster.unpricedPools.join(', ') || 'a node pool'}
      </p>
    );
  }
  return null;
}
