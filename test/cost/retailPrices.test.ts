// The Retail Prices client against the simulated API (HTTPS, paged), and the choice of meter on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedAzure, type SimulatedAzure } from '../../dev/sim/index.js';
import { retailPriceItems } from '../../dev/sim/retailPrices.js';
import { resolveTrustedCa } from '../../shared/azure/arm.js';
import { chooseLinuxHourlyPrice, createRetailPricesClient, type RetailPriceItem, type RetailPricesClient } from '../../shared/cost/retailPrices.js';
import type { UpstreamCall } from '../../shared/observability/upstreamLog.js';

describe('choosing the meter', () => {
  const items = retailPriceItems({ region: 'westeurope', vmSize: 'Standard_D4s_v5', hourly: 0.24 }) as unknown as RetailPriceItem[];

  it('takes the Linux pay-as-you-go hour, not Windows, Spot or Low Priority, whatever the order', () => {
    expect(chooseLinuxHourlyPrice(items, 'westeurope', 'Standard_D4s_v5')).toEqual({
      hourly: 0.24,
      currency: 'USD',
      meter: 'Virtual Machines Dsv5 Series / D4s v5',
    });
    expect(chooseLinuxHourlyPrice([...items].reverse(), 'WestEurope', 'standard_d4s_v5')?.hourly).toBe(0.24);
  });

  it('takes the lowest of several Linux hours, and nothing from another region, size, unit or price type', () => {
    const linux = items.at(-1)!;
    const others: RetailPriceItem[] = [
      { ...linux, retailPrice: 0.3 },
      { ...linux, retailPrice: 0.01, armRegionName: 'eastus' },
      { ...linux, retailPrice: 0.01, armSkuName: 'Standard_D8s_v5' },
      { ...linux, retailPrice: 0.01, unitOfMeasure: '1/Month' },
      { ...linux, retailPrice: 0.01, type: 'DevTestConsumption' },
      { ...linux, retailPrice: 0 },
    ];
    expect(chooseLinuxHourlyPrice([...others, linux], 'westeurope', 'Standard_D4s_v5')?.hourly).toBe(0.24);
    expect(chooseLinuxHourlyPrice(others.slice(1), 'westeurope', 'Standard_D4s_v5')).toBeUndefined();
  });
});

describe('the client against the simulated API', () => {
  let sim: SimulatedAzure;
  let client: RetailPricesClient;
  const calls: UpstreamCall[] = [];
  beforeAll(async () => {
    sim = await startSimulatedAzure({ retailPrices: { pageSize: 2 } });
    client = createRetailPricesClient({ endpoint: sim.retailPricesEndpoint, ca: resolveTrustedCa(sim.caPem), timeoutMs: 5_000, logCall: (c) => calls.push(c) });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });
  const requests = () => sim.requestLog((e) => e.server === 'retailPrices');

  it('follows NextPageLink to the last page (five items, two a page: three requests) and logs each call without its query', async () => {
    sim.clearRequestLog();
    calls.length = 0;
    expect(await client.linuxHourlyPrice('westeurope', 'Standard_E8s_v5')).toMatchObject({ hourly: 0.62, currency: 'USD' });
    expect(requests().map((e) => new URL(e.url, 'https://x').searchParams.get('$skip'))).toEqual([null, '2', '4']);
    expect(decodeURIComponent(requests()[0]!.url)).toContain(
      "$filter=serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' and armSkuName eq 'Standard_E8s_v5' and priceType eq 'Consumption'",
    );
    expect(calls.map((c) => [c.target, c.path, c.status])).toEqual([
      ['retailPrices', '/api/retail/prices', 200],
      ['retailPrices', '/api/retail/prices', 200],
      ['retailPrices', '/api/retail/prices', 200],
    ]);
  });

  it('a size the API does not list: undefined, not an error', async () => {
    expect(await client.linuxHourlyPrice('westeurope', 'Standard_NC6s_v3')).toBeUndefined();
  });

  it('never follows a NextPageLink to another host', async () => {
    sim.clearRequestLog();
    const foreign = sim.inject({
      target: 'retailPrices',
      path: '/api/retail/prices',
      status: 200,
      times: 1,
      body: { Items: [], NextPageLink: 'https://prices.example.net/api/retail/prices?$skip=100' },
    });
    expect(await client.linuxHourlyPrice('westeurope', 'Standard_D4s_v5')).toBeUndefined();
    expect(foreign.hits).toBe(1);
    expect(requests()).toHaveLength(1);
  });

  it('a failing API throws with its status, for the one failure classification', async () => {
    const failing = sim.inject({ target: 'retailPrices', path: '/api/retail/prices', status: 500, times: 1 });
    await expect(client.linuxHourlyPrice('westeurope', 'Standard_D4s_v5')).rejects.toMatchObject({ name: 'RetailPricesError', statusCode: 500 });
    expect(failing.hits).toBe(1);
  });
});
