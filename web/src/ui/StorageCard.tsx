// The Storage card: the scope's storage accounts (region, SKU, kind, hierarchical namespace, a warning while public
// network access is on), their containers with usage ("≥ N" when the count stopped at its bound, "calculating…"
// while a first count runs; the card asks again after 5 s then), and the databases strip of the database container
// ("4 ready / 9").
import { useCallback } from 'react';
import { isPubliclyReachable, type BlobContainer, type Envelope, type Scope, type StorageAccount, type StorageView } from '../lib/api.js';
import { formatAge, formatBytes, formatCount, secondsSince } from '../lib/format.js';
import { storageKey } from '../lib/keys.js';
import { BoardCard, Freshness } from './bits.js';
import { usePollErrors } from './errors.js';
import { usePoll, useServices } from './services.js';

const CALCULATING_POLL_SECONDS = 5;

export function StorageCard({ scope, pollSeconds, now }: { scope: Scope; pollSeconds: number; now: number }) {
  const { api, poller } = useServices();
  const key = storageKey(scope);
  const load = useCallback(() => api.storage(scope), [api, scope]);
  // a first count is under way (the server answers at once and counts in the background): ask again soon
  const counting = poller.get<Envelope<StorageView>>(key)?.data?.data?.accounts.some((a) => a.containers.some((c) => c.usageProblem?.code === 'calculating'));
  const snapshot = usePoll<Envelope<StorageView>>(key, load, Math.min(pollSeconds, counting ? CALCULATING_POLL_SECONDS : pollSeconds) * 1000);
  usePollErrors(key, 'Could not load the storage accounts', snapshot);
  const envelope = snapshot.data;
  const view = envelope?.data ?? undefined;
  const databases = view?.accounts.flatMap((a) => a.containers.flatMap((c) => c.databases ?? [])) ?? [];
  const accounts = view?.accounts.length ?? 0;

  return (
    <BoardCard
      id="storage"
      title="Storage"
      summary={view ? `${accounts} ${accounts === 1 ? 'account' : 'accounts'}` : undefined}
      freshness={<Freshness envelopes={[envelope]} now={now} testId="storage-freshness" />}
      degraded={[...(envelope?.degraded ?? []), ...(view?.accounts.flatMap((a) => a.degraded.map((d) => ({ ...d, source: `${a.name}: ${d.source}` }))) ?? [])]}
    >
      {!envelope && <p className="quiet">{snapshot.error === undefined ? 'Reading the storage accounts…' : 'The storage accounts could not be read.'}</p>}
      {envelope && !view && <p className="quiet">No data.</p>}
      {view && accounts === 0 && <p className="quiet">No storage account in {scope.resourceGroup}.</p>}
      {view && view.databases.total > 0 && (
        <div className="db-strip" data-testid="databases-strip" data-ready={view.databases.ready} data-total={view.databases.total}>
          <p className="strip-head">
            <span className="section-label">Databases</span> <strong>{view.databases.ready} ready</strong>{' '}
            <span className="quiet">/ {view.databases.total}</span>
          </p>
          <ul className="strip-items" aria-label="Databases in storage">
            {databases.map((d) => (
              <li
                key={d.name}
                className={d.ready ? 'stored-ready' : 'stored-incomplete'}
                data-testid={`stored-db-${d.name}`}
                data-ready={d.ready}
                title={`${d.name}: ${formatCount(d.files)} files, ${formatBytes(d.bytes)}${d.newestAt ? `, newest ${formatAge(secondsSince(d.newestAt, now))} ago` : ''}${d.ready ? '' : ' — no metadata file yet'}`}
              >
                <span aria-hidden="true">{d.ready ? '✓' : '○'}</span> {d.name}
                <span className="sr-only">{d.ready ? ' (ready)' : ' (no metadata file yet)'}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {view?.accounts.map((account) => (
        <Account key={account.name} account={account} now={now} />
      ))}
    </BoardCard>
  );
}

function Account({ account, now }: { account: StorageAccount; now: number }) {
  const facts = [
    account.location,
    account.sku,
    account.kind,
    account.hierarchicalNamespace === undefined ? '' : account.hierarchicalNamespace ? 'hierarchical namespace' : 'flat namespace',
    account.minimumTlsVersion ? `min ${account.minimumTlsVersion.replace('TLS', 'TLS ').replace('_', '.')}` : '',
  ].filter(Boolean);
  return (
    <div className="resource" data-testid={`storage-account-${account.name}`}>
      <p className="resource-name mono">{account.name}</p>
      <p className="resource-facts">
        {facts.map((f, i) => (
          <span key={i}>{f}</span>
        ))}
      </p>
      {isPubliclyReachable(account) && (
        <p className="warning" role="note" data-testid="public-network-warning">
          <strong>Public network access is enabled.</strong> The account accepts connections from any network; limit it to selected networks or a private
          endpoint.
        </p>
      )}
      {account.allowBlobPublicAccess && (
        <p className="warning" role="note" data-testid="blob-public-access-warning">
          <strong>Anonymous blob access is allowed.</strong> A container set to public access can be read without credentials.
        </p>
      )}
      {account.containers.length === 0 ? (
        <p className="quiet">No blob containers.</p>
      ) : (
        <div className="table-wrap">
          <table className="compact">
            <caption className="sr-only">Blob containers of {account.name}</caption>
            <thead>
              <tr>
                <th scope="col">Container</th>
                <th scope="col" className="num">
                  Blobs
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Last update</th>
              </tr>
            </thead>
            <tbody>
              {account.containers.map((c) => (
                <ContainerRow key={c.name} container={c} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ContainerRow({ container: c, now }: { container: BlobContainer; now: number }) {
  const state = c.usage ? 'counted' : c.usageProblem?.code === 'calculating' ? 'calculating' : 'unavailable';
  const newest = c.usage?.newestAt ?? c.lastModifiedAt;
  const isPublic = c.publicAccess !== undefined && c.publicAccess.toLowerCase() !== 'none';
  return (
    <tr data-testid={`container-${c.name}`} data-usage={state}>
      <th scope="row">
        <span className="mono">{c.name}</span>
        {c.publicAccess && (
          <span className={`access${isPublic ? ' access-public' : ''}`} title={`Public access: ${c.publicAccess}`}>
            {isPublic ? `public: ${c.publicAccess.toLowerCase()}` : 'private'}
          </span>
        )}
      </th>
      {c.usage ? (
        <>
          <td className="num" title={c.usage.truncated ? 'The count stopped at its bound: at least this many' : undefined}>
            {c.usage.truncated ? '≥ ' : ''}
            {formatCount(c.usage.blobCount)}
          </td>
          <td className="num">
            {c.usage.truncated ? '≥ ' : ''}
            {formatBytes(c.usage.bytes)}
          </td>
        </>
      ) : (
        <td colSpan={2} className="num quiet" title={c.usageProblem?.message}>
          {state === 'calculating' ? 'calculating…' : `not readable (${c.usageProblem?.code ?? 'unknown'})`}
        </td>
      )}
      <td className="nowrap" title={c.usage?.countedAt ? `counted ${formatAge(secondsSince(c.usage.countedAt, now))} ago` : undefined}>
        {newest ? `${formatAge(secondsSince(newest, now))} ago` : c.usage ? 'empty' : '–'}
      </td>
    </tr>
  );
}
