// Captured bodies name no person: a schedule's createdBy { name } and a transition's startedBy are
// pseudonyms in the inspector, through the real app (simulated Azure, Azurite, App Service principals), so a reader
// cannot put a caller's pseudonym next to the name of the person it stands for.
import { describe, expect, it } from 'vitest';
import { personPseudonym } from '../../shared/http/inspector.js';
import { RG, testStacks } from '../lifecycle/support.js';
import { uniqueTableName } from '../setup/tables.js';
import { PRINCIPALS } from './support.js';

const KEY = 'bodies-pseudonym-key';
const stack = testStacks();

describe('captured bodies', () => {
  it('carry pseudonyms, never the object id or name of the person who made a schedule or started a cluster', async () => {
    const s = await stack({
      env: {
        AUTH_MODE: 'appService',
        WEBSITE_AUTH_ENABLED: 'True',
        INSPECTOR_PSEUDONYM_KEY: KEY,
        AUDIT_TABLE_NAME: uniqueTableName('a'),
        SCHEDULES_TABLE_NAME: uniqueTableName('s'),
      },
    });
    const as = (principal: string, method: string, path: string, body?: unknown) =>
      fetch(`${s.url}${path}`, {
        method,
        headers: { 'x-ms-client-principal': principal, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const created = await as(PRINCIPALS.operator, 'POST', '/api/schedules', {
      ...RG,
      cluster: 'elb-01-a',
      action: 'stop',
      cron: '0 0 19 * * *',
      timeZone: 'UTC',
    });
    expect(created.status).toBe(201);
    // The answer names its maker (the page shows it), never the maker's object id.
    expect(((await created.json()) as { createdBy: unknown }).createdBy).toEqual({ name: 'operator@contoso.example' });
    const started = await as(PRINCIPALS.operator, 'POST', '/api/aks/start', { ...RG, cluster: 'elb-01-b' });
    expect(started.status).toBe(202);
    expect(((await started.json()) as { transition: { startedBy: string } }).transition.startedBy).toBe('operator@contoso.example');

    const inspector = await as(PRINCIPALS.reader, 'GET', '/api/inspector?limit=200');
    const text = await inspector.text();
    for (const personal of ['operator@contoso', 'oid-operator']) expect(text).not.toContain(personal);
    const items = (JSON.parse(text) as { items: Array<{ path: string; responseBody?: string }> }).items;
    const answerOf = (path: string) => JSON.parse(items.find((item) => item.path === path)!.responseBody!) as Record<string, any>;
    const person = personPseudonym(KEY, 'operator@contoso.example');
    expect(person).toMatch(/^person-[0-9a-f]{12}$/);
    expect(answerOf('/api/schedules').createdBy).toEqual({ name: person });
    expect(answerOf('/api/aks/start').transition.startedBy).toMatch(/^person-[0-9a-f]{12}$/);
  });
});
