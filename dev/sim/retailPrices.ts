// The Azure Retail Prices API (https://prices.azure.com/api/retail/prices), served locally so the app's real client
// (shared/cost/retailPrices.ts) is exercised: the OData `$filter` of `field eq 'value'` clauses joined by `and`,
// `$skip` paging with an absolute `NextPageLink` (null on the last page), the answer's envelope and item fields.
// Every Linux price listed comes with the meters a client must not pick: the Windows one, Spot and Low Priority;
// they are listed first, so a client that reads only the first page or takes the first item gets it wrong.
import type { AppliedInjection } from './injection.js';
import type { SimRequest, SimResponse } from './server.js';

/** One Linux pay-as-you-go price the simulator lists (with its Windows, Spot and Low Priority look-alikes). */
export interface SimRetailPrice {
  region: string;
  vmSize: string;
  /** USD per hour. */
  hourly: number;
}

/**
 * The demo fleet's sizes (westeurope) and a few more: a little above the app's shipped table, as if list prices had
 * moved since it was dated, so an answer shows which source it used.
 */
export const DEFAULT_RETAIL_PRICES: readonly SimRetailPrice[] = [
  { region: 'westeurope', vmSize: 'Standard_D4s_v5', hourly: 0.24 },
  { region: 'westeurope', vmSize: 'Standard_E8s_v5', hourly: 0.62 },
  { region: 'westeurope', vmSize: 'Standard_D8s_v5', hourly: 0.48 },
  { region: 'eastus', vmSize: 'Standard_D4s_v5', hourly: 0.192 },
  { region: 'eastus', vmSize: 'Standard_E8s_v5', hourly: 0.504 },
];

/** The items of one price, as the API lists them (field names and spellings as the public API documents them). */
export function retailPriceItems(price: SimRetailPrice): Record<string, unknown>[] {
  const short = price.vmSize.replace(/^Standard_/, '').replace(/_/g, ' '); // Standard_D4s_v5 → "D4s v5"
  const series = /^([A-Z]+)\d+([a-z]*)_?(v\d+)?$/.exec(price.vmSize.replace(/^Standard_/, ''));
  const product = `Virtual Machines ${series ? `${series[1]}${series[2]}${series[3] ?? ''}` : short} Series`;
  const item = (productName: string, skuName: string, retailPrice: number) => ({
    currencyCode: 'USD',
    tierMinimumUnits: 0,
    retailPrice,
    unitPrice: retailPrice,
    armRegionName: price.region,
    location: price.region,
    effectiveStartDate: '2026-11-01T00:00:00Z',
    meterId: `${price.region}-${skuName}-${productName}`.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    meterName: skuName,
    productId: 'DZH318Z0BQ4L',
    skuId: 'DZH318Z0BQ4L/00TG',
    productName,
    skuName,
    serviceName: 'Virtual Machines',
    serviceId: 'DZH313Z7MMC8',
    serviceFamily: 'Compute',
    unitOfMeasure: '1 Hour',
    type: 'Consumption',
    isPrimaryMeterRegion: true,
    armSkuName: price.vmSize,
  });
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  return [
    item(`${product} Windows`, short, round(price.hourly * 1.8)),
    item(`${product} Windows`, `${short} Spot`, round(price.hourly * 0.35)),
    item(product, `${short} Spot`, round(price.hourly * 0.2)),
    item(product, `${short} Low Priority`, round(price.hourly * 0.2)),
    item(product, short, price.hourly),
  ];
}

/** `a eq 'x' and b eq 'y'` → { a: 'x', b: 'y' }; undefined when the filter is anything else. */
function parseFilter(filter: string): Record<string, string> | undefined {
  const clauses: Record<string, string> = {};
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const match = /^(\w+)\s+eq\s+'([^']*)'$/i.exec(clause.trim());
    if (!match) return undefined;
    clauses[match[1]!] = match[2]!;
  }
  return clauses;
}

const error = (status: number, code: string, message: string): SimResponse => ({ status, body: { Error: { Code: code, Message: message } } });

export function retailPricesInjectedAnswer(status: number, injection: AppliedInjection): SimResponse {
  const headers: Record<string, string> = injection.retryAfter !== undefined ? { 'retry-after': String(injection.retryAfter) } : {};
  if (injection.body !== undefined) return { status, headers, body: injection.body };
  return { ...error(status, status === 429 ? 'TooManyRequests' : 'ServiceError', `Injected ${status}`), headers };
}

export interface RetailPricesHandlerOptions {
  endpoint: () => string;
  prices: () => readonly SimRetailPrice[];
  pageSize: () => number;
}

export function createRetailPricesHandler(options: RetailPricesHandlerOptions): (request: SimRequest) => SimResponse {
  return ({ method, url }) => {
    if (url.pathname.toLowerCase() !== '/api/retail/prices') return error(404, 'NotFound', 'Not found');
    if (method !== 'GET') return error(405, 'MethodNotAllowed', 'Only GET is supported');
    const filterText = url.searchParams.get('$filter') ?? '';
    const filter = filterText ? parseFilter(filterText) : {};
    if (!filter) return error(400, 'BadRequest', `Invalid OData filter: ${filterText}`);
    const skip = Number(url.searchParams.get('$skip') ?? '0');
    if (!Number.isInteger(skip) || skip < 0) return error(400, 'BadRequest', 'Invalid $skip');
    const items = options
      .prices()
      .flatMap(retailPriceItems)
      .filter((item) =>
        Object.entries(filter).every(([field, value]) => {
          const actual = field === 'priceType' ? item.type : item[field];
          return typeof actual === 'string' && actual.toLowerCase() === value.toLowerCase();
        }),
      );
    const size = options.pageSize();
    const page = items.slice(skip, skip + size);
    let next: string | null = null;
    if (skip + size < items.length) {
      const link = new URL('/api/retail/prices', options.endpoint());
      if (filterText) link.searchParams.set('$filter', filterText);
      link.searchParams.set('$skip', String(skip + size));
      next = link.toString();
    }
    return {
      status: 200,
      body: { BillingCurrency: 'USD', CustomerEntityId: 'Default', CustomerEntityType: 'Retail', Items: page, NextPageLink: next, Count: page.length },
    };
  };
}
