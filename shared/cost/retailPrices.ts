// The public Azure Retail Prices API (no sign-in): the Linux pay-as-you-go hourly price of one VM size in one region.
// GET {RETAIL_PRICES_ENDPOINT}/api/retail/prices?$filter=… answers { Items, NextPageLink }; every page is read
// (NextPageLink followed, only on the endpoint's own origin) and the lowest Linux, non-Spot, non-Low-Priority
// "1 Hour" consumption price is chosen. The simulator serves the same API locally (dev/sim/retailPrices.ts).
import { Agent, fetch, type Dispatcher } from 'undici';
import { reportUpstreamCall, startUpstreamCall, type UpstreamCallLog } from '../observability/upstreamLog.js';

/** The fields of a price item the choice reads. */
export interface RetailPriceItem {
  currencyCode: string;
  retailPrice: number;
  armRegionName: string;
  armSkuName: string;
  productName: string;
  skuName: string;
  meterName: string;
  serviceName: string;
  unitOfMeasure: string;
  type: string;
}

export interface RetailPricePage {
  Items: RetailPriceItem[];
  NextPageLink: string | null;
}

export interface RetailPrice {
  hourly: number;
  currency: string;
  /** What was chosen (product and SKU name), for the log and the stored row. */
  meter: string;
}

/** A non-2xx answer; `statusCode` lets the one failure classification (shared/errors.ts) name it. */
export class RetailPricesError extends Error {
  constructor(readonly statusCode: number) {
    super(`The Azure Retail Prices API answered ${statusCode}`);
    this.name = 'RetailPricesError';
  }
}

/** More pages than any real answer for one size and region has: a loop guard, not a limit that matters. */
const MAX_PAGES = 20;
const SAFE_NAME = /^[A-Za-z0-9_.-]{1,80}$/;

/** The item the price is: a Linux (not Windows) pay-as-you-go hour, neither Spot nor Low Priority. */
export function isLinuxHourlyPrice(item: RetailPriceItem, region: string, vmSize: string): boolean {
  const names = `${item.skuName} ${item.meterName}`;
  return (
    item.serviceName === 'Virtual Machines' &&
    item.type === 'Consumption' &&
    item.unitOfMeasure === '1 Hour' &&
    item.armRegionName.toLowerCase() === region.toLowerCase() &&
    item.armSkuName.toLowerCase() === vmSize.toLowerCase() &&
    !/windows/i.test(item.productName) &&
    !/\bspot\b|low priority/i.test(names) &&
    Number.isFinite(item.retailPrice) &&
    item.retailPrice > 0
  );
}

/** The lowest matching price among the items, or undefined when none matches. */
export function chooseLinuxHourlyPrice(items: readonly RetailPriceItem[], region: string, vmSize: string): RetailPrice | undefined {
  let best: RetailPriceItem | undefined;
  for (const item of items) {
    if (isLinuxHourlyPrice(item, region, vmSize) && (!best || item.retailPrice < best.retailPrice)) best = item;
  }
  return best && { hourly: best.retailPrice, currency: best.currencyCode, meter: `${best.productName} / ${best.skuName}` };
}

export interface RetailPricesClientOptions {
  endpoint: string;
  /** Extra trusted CAs (PEM list, public roots included), e.g. the simulator's; undefined: the public roots. */
  ca?: string[];
  timeoutMs: number;
  logCall?: UpstreamCallLog;
}

export interface RetailPricesClient {
  /** The Linux pay-as-you-go hourly price, or undefined when Azure lists none for this size and region. */
  linuxHourlyPrice(region: string, vmSize: string): Promise<RetailPrice | undefined>;
  close(): Promise<void>;
}

export function createRetailPricesClient(options: RetailPricesClientOptions): RetailPricesClient {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const origin = new URL(endpoint).origin;
  const dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000, ...(options.ca ? { connect: { ca: options.ca } } : {}) });

  async function page(url: string, signal: AbortSignal): Promise<RetailPricePage> {
    const done = startUpstreamCall('retailPrices', 'GET', url);
    let status = 0;
    try {
      const response = await fetch(url, { dispatcher, signal, headers: { accept: 'application/json' } }).catch((error: unknown) => {
        // undici reports a network failure as TypeError('fetch failed') with the socket's error (its code) as cause.
        throw (error as { cause?: unknown }).cause ?? error;
      });
      status = response.status;
      if (!response.ok) {
        await response.body?.cancel();
        throw new RetailPricesError(response.status);
      }
      const body = (await response.json()) as Partial<RetailPricePage>;
      if (!Array.isArray(body.Items)) throw new RetailPricesError(502);
      if (options.logCall) reportUpstreamCall(options.logCall, done(status));
      return { Items: body.Items, NextPageLink: typeof body.NextPageLink === 'string' ? body.NextPageLink : null };
    } catch (error) {
      if (options.logCall) reportUpstreamCall(options.logCall, done(status, error));
      throw error;
    }
  }

  return {
    async linuxHourlyPrice(region, vmSize) {
      if (!SAFE_NAME.test(region) || !SAFE_NAME.test(vmSize)) return undefined;
      const filter = `serviceName eq 'Virtual Machines' and armRegionName eq '${region.toLowerCase()}' and armSkuName eq '${vmSize}' and priceType eq 'Consumption'`;
      const signal = AbortSignal.timeout(options.timeoutMs);
      const items: RetailPriceItem[] = [];
      let next: string | null = `${endpoint}/api/retail/prices?$filter=${encodeURIComponent(filter)}`;
      for (let pages = 0; next && pages < MAX_PAGES; pages++) {
        const answer = await page(next, signal);
        items.push(...answer.Items);
        next = answer.NextPageLink && new URL(answer.NextPageLink).origin === origin ? answer.NextPageLink : null;
      }
      return chooseLinuxHourlyPrice(items, region, vmSize);
    },
    close: () => dispatcher.close(),
  };
}
