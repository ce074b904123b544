// The lifecycle actions as the cards and the fleet rows send them: one request per click, a pending mark while it is
// on its way, the browser's transition record on acceptance, an error kept on the card (lib/cardErrors.ts), and
// whatever the answer, the lists that show the cluster read again at once so the page shows the real state.
import { useCallback, useState } from 'react';
import { ApiError, type LifecycleAction, type Scope } from '../lib/api.js';
import { cardKey, settleCardErrors, type CardError } from '../lib/cardErrors.js';
import type { Cluster } from '../lib/monitorData.js';
import { toUiError } from './errors.js';
import { useServices } from './services.js';

export interface Lifecycle {
  /** The action on its way, by card key. */
  pending: Readonly<Record<string, LifecycleAction>>;
  errors: readonly CardError[];
  errorOf: (scope: Scope, cluster: string) => CardError | undefined;
  /** Never rejects: a failure goes on the card. Resolves with what was said, for a polite announcement. */
  act: (scope: Scope, cluster: string, action: LifecycleAction) => Promise<{ accepted: boolean; said: string }>;
  dismiss: (key: string) => void;
  /** A list reading arrived: errors about a state the cluster has left go away. */
  settle: (clusterOf: (error: CardError) => Cluster | undefined | null, readAt: number) => void;
}

export function useLifecycle(reread: (scope: Scope) => void): Lifecycle {
  const { api, transitions, now } = useServices();
  const [pending, setPending] = useState<Readonly<Record<string, LifecycleAction>>>({});
  const [errors, setErrors] = useState<readonly CardError[]>([]);

  const act = useCallback(
    async (scope: Scope, cluster: string, action: LifecycleAction) => {
      const key = cardKey(scope, cluster);
      const what = `${action.charAt(0).toUpperCase()}${action.slice(1)} of ${cluster}`;
      const onCard = (title: string, error: unknown) => {
        const { message, status, code, requestId } = toUiError(key, title, error);
        setErrors((prev) => [...prev.filter((e) => e.key !== key), { key, cluster, title, message, status, code, requestId, at: now() }]);
      };
      setPending((p) => ({ ...p, [key]: action }));
      setErrors((prev) => prev.filter((e) => e.key !== key));
      try {
        const result = await api.lifecycle(action, scope, cluster);
        transitions.record(scope, cluster, action);
        if (result.degraded.length) {
          // ARM accepted; what the backend could not record (e.g. the transition row) is said, not hidden
          const missed = result.degraded.map((d) => `${d.source}: ${d.message ?? 'failed'}`).join('; ');
          onCard(`${what} accepted, but`, new ApiError(missed, 202, 'degraded', result.requestId));
        }
        return { accepted: true, said: `${what} accepted.` };
      } catch (error) {
        onCard(`Could not ${action} ${cluster}`, error);
        return { accepted: false, said: `Could not ${action} ${cluster}.` };
      } finally {
        setPending(({ [key]: _done, ...rest }) => rest);
        reread(scope);
      }
    },
    [api, transitions, now, reread],
  );

  const settle = useCallback(
    (clusterOf: (error: CardError) => Cluster | undefined | null, readAt: number) => setErrors((prev) => settleCardErrors(prev, clusterOf, readAt)),
    [],
  );
  const dismiss = useCallback((key: string) => setErrors((prev) => prev.filter((e) => e.key !== key)), []);
  const errorOf = (scope: Scope, cluster: string) => errors.find((e) => e.key === cardKey(scope, cluster));
  return { pending, errors, errorOf, act, dismiss, settle };
}
