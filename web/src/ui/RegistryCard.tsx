// The Container Registry card: each registry's login server and SKU, "Images built 3/4" with every expected image
// built, missing or building (an ACR run), and its repositories with their newest tag.
import { useCallback } from 'react';
import type { Envelope, ExpectedImage, Registry, RegistryView, Scope } from '../lib/api.js';
import { formatAge, secondsSince } from '../lib/format.js';
import { registryKey } from '../lib/keys.js';
import { BoardCard, Freshness } from './bits.js';
import { usePollErrors } from './errors.js';
import { usePoll, useServices } from './services.js';

export function RegistryCard({ scope, pollSeconds, now }: { scope: Scope; pollSeconds: number; now: number }) {
  const { api } = useServices();
  const key = registryKey(scope);
  const load = useCallback(() => api.registry(scope), [api, scope]);
  const snapshot = usePoll<Envelope<RegistryView>>(key, load, pollSeconds * 1000);
  usePollErrors(key, 'Could not load the container registries', snapshot);
  const envelope = snapshot.data;
  const view = envelope?.data ?? undefined;
  const count = view?.registries.length ?? 0;

  return (
    <BoardCard
      id="registry"
      title="Container Registry"
      summary={view && count !== 1 ? `${count} registries` : undefined}
      freshness={<Freshness envelopes={[envelope]} now={now} testId="registry-freshness" />}
      degraded={[
        ...(envelope?.degraded ?? []),
        ...(view?.registries.flatMap((r) => r.degraded.map((d) => ({ ...d, source: `${r.name}: ${d.source}` }))) ?? []),
      ]}
    >
      {!envelope && <p className="quiet">{snapshot.error === undefined ? 'Reading the registries…' : 'The registries could not be read.'}</p>}
      {envelope && !view && <p className="quiet">No data.</p>}
      {view && count === 0 && <p className="quiet">No container registry in {scope.resourceGroup}.</p>}
      {view?.registries.map((registry) => (
        <RegistryBlock key={registry.name} registry={registry} now={now} />
      ))}
    </BoardCard>
  );
}

const STATE_TEXT: Record<ExpectedImage['state'], string> = { built: 'built', missing: 'missing', building: 'building', unknown: 'unknown' };

function RegistryBlock({ registry: r, now }: { registry: Registry; now: number }) {
  const facts = [
    r.sku ? `${r.sku} SKU` : '',
    r.location,
    r.adminUserEnabled ? 'admin user on' : '',
    r.publicNetworkAccess ? `public network ${r.publicNetworkAccess.toLowerCase()}` : '',
  ].filter(Boolean);
  const complete = r.built.expected > 0 && r.built.built === r.built.expected;
  return (
    <div className="resource" data-testid={`registry-${r.name}`}>
      <p className="resource-name mono">{r.name}</p>
      {r.loginServer && (
        <p className="resource-facts">
          <span className="mono">{r.loginServer}</span>
        </p>
      )}
      <p className="resource-facts">
        {facts.map((f, i) => (
          <span key={i}>{f}</span>
        ))}
      </p>
      {r.built.expected > 0 && (
        <>
          <p className="images-built" data-testid="images-built" data-built={r.built.built} data-expected={r.built.expected}>
            <span className="section-label">Images built</span>{' '}
            <strong className={complete ? undefined : 'count-warn'}>
              {r.built.built}/{r.built.expected}
            </strong>
          </p>
          <ul className="images">
            {r.expectedImages.map((image) => (
              <li key={image.image} data-testid="expected-image" data-image={image.image} data-state={image.state}>
                <span className={`image-state state-${image.state}`}>
                  {image.state === 'building' && <span className="spinner" aria-hidden="true" />}
                  {STATE_TEXT[image.state]}
                </span>
                <span className="mono image-name">{image.image}</span>
                <span className="quiet image-when" title={image.digest ?? image.run?.id}>
                  {image.state === 'built' && image.updatedAt ? `${formatAge(secondsSince(image.updatedAt, now))} ago` : ''}
                  {image.state === 'building' && image.run
                    ? `run ${image.run.id}${image.run.status ? ` ${image.run.status.toLowerCase()}` : ''}${image.run.startedAt ? ` · started ${formatAge(secondsSince(image.run.startedAt, now))} ago` : ''}`
                    : ''}
                  {image.state === 'missing' ? 'no such tag' : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {r.repositories.length > 0 && (
        <details className="repos">
          <summary>
            {r.repositories.length} {r.repositories.length === 1 ? 'repository' : 'repositories'}
          </summary>
          <ul>
            {r.repositories.map((repo) => (
              <li key={repo.name}>
                <span className="mono">{repo.name}</span>{' '}
                <span className="quiet">
                  {repo.tags[0]
                    ? `${repo.tags[0].name}${repo.tags[0].updatedAt ? `, ${formatAge(secondsSince(repo.tags[0].updatedAt, now))} ago` : ''}`
                    : 'no tags'}
                  {repo.tagCount > 1 ? ` · ${repo.tagCount} tags` : ''}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
