import { describe, expect, it } from 'vitest';
import { ARM_ACTIONS } from '../../shared/azure/armOperations.js';

describe('ARM_ACTIONS', () => {
  it('are distinct managedClusters actions, the resource group read and storage / registry reads, as a role definition spells them', () => {
    expect(new Set(ARM_ACTIONS).size).toBe(ARM_ACTIONS.length);
    for (const action of ARM_ACTIONS) {
      expect(action).toMatch(
        /^(Microsoft\.ContainerService\/managedClusters\/(read|delete|[A-Za-z]+\/action)|Microsoft\.Resources\/subscriptions\/resourceGroups\/read|Microsoft\.Storage\/storageAccounts(\/blobServices\/containers)?\/read|Microsoft\.ContainerRegistry\/registries(\/runs)?\/read)$/,
      );
    }
    expect(ARM_ACTIONS).toContain('Microsoft.ContainerService/managedClusters/start/action');
  });
});
