// Poll keys mirror the server's cache keys (docs/architecture.md §3), so "one request per key" means one per cache row.
import type { Category, Scope } from './api.js';

export const scopeKey = (scope: Scope) => `${scope.subscriptionId}:${scope.resourceGroup}`;
export const clusterListKey = (scope: Scope) => `monitor:aks:${scopeKey(scope)}`;
export const categoryKey = (scope: Scope, cluster: string, category: Category) => `monitor:aks:${scopeKey(scope)}:${cluster}:${category}`;
export const storageKey = (scope: Scope) => `monitor:storage:${scopeKey(scope)}`;
export const registryKey = (scope: Scope) => `monitor:acr:${scopeKey(scope)}`;
export const INSPECTOR_KEY = 'inspector';
export const costKey = (scope: Scope) => `cost:${scopeKey(scope)}`;
export const COST_FLEET_KEY = 'cost:fleet';
/** Cost estimates change slowly: read at most once a minute, whatever the page's refresh. */
export const COST_POLL_SECONDS = 60;
export const autoStopKey = (scope: Scope) => `autostop:${scopeKey(scope)}`;
export const NOTIFICATIONS_KEY = 'notifications';
