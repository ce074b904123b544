/** A (subscription, resource group) pair: the unit the dashboard watches and the unit of authorisation. */
export interface Scope {
  subscriptionId: string;
  resourceGroup: string;
}
