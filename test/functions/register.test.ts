import { describe, expect, it, vi } from 'vitest';
import { registerFunctions } from '../../functions/register.js';
import { createApp } from '../../functions/app.js';
import { loadConfig } from '../../shared/config.js';
import type { FunctionDefinition } from '../../functions/definition.js';

describe('registerFunctions', () => {
  it('registers every definition with app.http or app.timer, as defined', () => {
    const app = { http: vi.fn(), timer: vi.fn() };
    const handler = Object.assign(async () => ({ status: 204 }), { auth: 'none' as const });
    const definitions: FunctionDefinition[] = [
      { kind: 'http', name: 'a', route: 'a/{x}', methods: ['GET'], handler },
      { kind: 'http', name: 'b', route: 'b', methods: ['POST', 'DELETE'], handler },
      { kind: 'timer', name: 't', schedule: '*/15 * * * * *', runOnStartup: false, handler: async () => {} },
    ];
    registerFunctions(app, definitions);
    expect(app.http).toHaveBeenCalledTimes(2);
    expect(app.http).toHaveBeenCalledWith('a', { route: 'a/{x}', methods: ['GET'], authLevel: 'anonymous', handler });
    expect(app.http).toHaveBeenCalledWith('b', expect.objectContaining({ route: 'b', methods: ['POST', 'DELETE'] }));
    expect(app.timer).toHaveBeenCalledWith('t', expect.objectContaining({ schedule: '*/15 * * * * *', runOnStartup: false }));
  });

  it('registers each definition of the composition root exactly once', async () => {
    const app = { http: vi.fn(), timer: vi.fn() };
    const built = createApp(loadConfig({ TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }));
    registerFunctions(app, built.definitions);
    const registered = [...app.http.mock.calls, ...app.timer.mock.calls].map((call) => call[0]);
    expect(registered.sort()).toEqual(built.definitions.map((d) => d.name).sort());
    expect(new Set(registered).size).toBe(registered.length);
    await built.close();
  });
});
