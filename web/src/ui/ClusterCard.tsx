import { useId, type ReactNode } from 'react';
import type { Cluster, LifecycleAction, Scope } from '../lib/api.js';
import type { ActionAvailability, StateChip } from '../lib/clusterState.js';
import { ClusterDetails } from './ClusterDetails.js';

interface Props {
  scope: Scope;
  cluster: Cluster;
  chip: StateChip;
  actions: Record<LifecycleAction, ActionAvailability>;
  /** A lifecycle request for this cluster is on its way. */
  sending?: LifecycleAction;
  cache: ReactNode;
  expanded: boolean;
  pollSeconds: number;
  onToggle(cluster: string): void;
  onAction(cluster: string, action: LifecycleAction): void;
  onDelete(cluster: string): void;
  /** Shown under the actions: the cluster's schedules and activity. */
  extra?: ReactNode;
}

const LABEL: Record<LifecycleAction, string> = { start: 'Start', stop: 'Stop', delete: 'Delete' };
const SENDING: Record<LifecycleAction, string> = { start: 'Sending start…', stop: 'Sending stop…', delete: 'Sending delete…' };

export function ClusterCard(props: Props) {
  const { scope, cluster, chip, actions, sending, cache, expanded, pollSeconds } = props;
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
      className={action === 'delete' ? 'danger' : undefined}
      data-testid={`${action}-button-${name}`}
      aria-label={`${LABEL[action]} ${name}`}
      title={actions[action].reason}
      disabled={!actions[action].enabled || sending !== undefined}
      onClick={() => (action === 'delete' ? props.onDelete(name) : props.onAction(name, action))}
    >
      {sending === action ? SENDING[action] : LABEL[action]}
    </button>
  );

  return (
    <article className={`card card-${chip.kind}`} data-testid={`cluster-card-${name}`} data-state={chip.kind} aria-labelledby={headingId}>
      <header className="card-head">
        <h2 id={headingId}>{name}</h2>
        <span className={`chip chip-${chip.kind}`} data-testid={`state-chip-${name}`} data-state={chip.kind} title={chip.detail}>
          {chip.busy && <span className="spinner" aria-hidden="true" />}
          {chip.label}
          <span className="sr-only"> ({chip.detail})</span>
        </span>
      </header>

      <dl className="facts">
        <div>
          <dt>Location</dt>
          <dd>{cluster.location ?? '–'}</dd>
        </div>
        <div>
          <dt>Kubernetes</dt>
          <dd>{cluster.kubernetesVersion ?? '–'}</dd>
        </div>
        <div className="wide">
          <dt>Node pools</dt>
          <dd>
            {cluster.nodePools.length === 0
              ? '–'
              : cluster.nodePools.map((p) => (
                  <span className="pool" key={p.name}>
                    {p.name}: {p.count ?? '?'} × {p.vmSize ?? '?'}
                    {p.mode ? ` (${p.mode})` : ''}
                  </span>
                ))}
          </dd>
        </div>
        {cluster.fqdn && (
          <div className="wide">
            <dt>API server</dt>
            <dd className="mono">{cluster.fqdn}</dd>
          </div>
        )}
      </dl>

      <div className="card-foot">
        {cache}
        <div className="actions" role="group" aria-label={`Actions for ${name}`} aria-describedby={reasons.length ? reasonsId : undefined}>
          {button('start')}
          {button('stop')}
          {button('delete')}
          <button type="button" data-testid={`details-toggle-${name}`} aria-expanded={expanded} aria-controls={detailsId} onClick={() => props.onToggle(name)}>
            {expanded ? 'Hide details' : 'Details'}
          </button>
        </div>
        {reasons.length > 0 && (
          <p id={reasonsId} className="sr-only">
            {reasons.join('. ')}
          </p>
        )}
      </div>

      {props.extra}

      {expanded && (
        <div id={detailsId}>
          <ClusterDetails scope={scope} cluster={name} pollSeconds={pollSeconds} />
        </div>
      )}
    </article>
  );
}
