import { describe, expect, it } from 'vitest';
import { ARM_ACTIONS } from '../../shared/azure/armOperations.js';

describe('ARM_ACTIONS', () => {
  it('are distinct managedClusters actions and the resource group read, as a role definition spells them', () => {
    expect(new Set(ARM_ACTIONS).size).toBe(ARM_ACTIONS.length);
    for (const action of ARM_ACTIONS) {
      expect(action).toMatch(
        /^(Microsoft\.ContainerService\/managedClusters\/(read|delete|[A-Za-z]+\/action)|Microsoft\.Resources\/subscriptions\/resourceGroups\/read)$/,
      );
    }
    expect(ARM_ACTIONS).toContain('Microsoft.ContainerService/managedClusters/start/action');
  });
});
