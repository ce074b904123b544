// GET /api/subscriptions and the fleet's `subscriptions`: the allowed subscriptions by name, and the portal link rule.
import type { MonitorResponse } from './monitor.js';

export interface SubscriptionSummary {
  subscriptionId: string;
  /** ARM's displayName; null when the identity's subscription list does not show it (then the id is the name). */
  displayName: string | null;
  /** ARM's state (Enabled, Warned, PastDue, Disabled, Deleted); null when not listed. */
  state: string | null;
  /** The subscription's Entra tenant, for portal links; null when not listed. */
  tenantId: string | null;
}

/** GET /api/subscriptions: the allowed subscriptions in ALLOWED_SCOPES order, a part that could not be read `degraded`. */
export type SubscriptionsResponse = MonitorResponse<SubscriptionSummary[]>;

/** The Azure portal page of an ARM resource id (a cluster's `id`), opened in its tenant's directory when known. */
export function portalUrlOf(resourceId: string, tenantId?: string | null): string {
  return tenantId ? `https://portal.azure.com/#@${tenantId}/resource${resourceId}` : `https://portal.azure.com/#resource${resourceId}`;
}
