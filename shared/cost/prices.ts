// Node prices, shared by every instance: each (region, VM size) is asked of the Azure Retail Prices API at most once
// a day and the answer kept in Table Storage (PRICES_TABLE_NAME: PartitionKey = region, RowKey = size, both lower
// case), so one instance's refresh serves all. What the API does not list, or while it cannot be reached, comes from
// the table shipped with the app; a size neither knows is unpriced.
//
// Per instance, a row read is remembered until it is a day old (no Table read per poll), concurrent lookups of one
// size share one refresh, and after a failed refresh the API is not asked again for RETRY_AFTER_FAILURE_MS (the
// shipped or stored price is answered meanwhile, marked degraded). Two instances refreshing the same size at the
// same moment both ask the API once; both write the same row.
import type { TableClient } from '@azure/data-tables';
import { describeFailure, isNotFound } from '../errors.js';
import { writesCreatingTable, type TableWrite } from '../tables.js';
import type { Degraded } from '../wire/index.js';
import type { PriceQuote } from './clusterCost.js';
import { PRICES_AS_OF, PRICES_CURRENCY, shippedHourlyPrice } from './priceTable.js';
import type { RetailPricesClient } from './retailPrices.js';

export const PRICE_REFRESH_MS = 24 * 3_600_000;
export const RETRY_AFTER_FAILURE_MS = 15 * 60_000;

interface PriceRow {
  partitionKey: string;
  rowKey: string;
  /** Absent: the API lists no Linux pay-as-you-go price for this size in this region. */
  hourly?: number;
  currency?: string;
  meter?: string;
  /** Epoch ms of the API's answer. */
  fetchedAt: number;
}

export interface PriceBookDeps {
  table: TableClient;
  retail: RetailPricesClient;
  now: () => number;
  log?: (line: string) => void;
}

/** A lookup of several sizes at once: each one's price (or undefined) and what could not be read. */
export interface PriceLookupResult {
  quote(region: string, vmSize: string): PriceQuote | undefined;
  degraded: Degraded[];
}

const keyOf = (region: string, vmSize: string) => `${region.toLowerCase()}|${vmSize.toLowerCase()}`;

export class PriceBook {
  private readonly rows = new Map<string, PriceRow>();
  private readonly inFlight = new Map<string, Promise<{ row?: PriceRow; degraded?: Degraded }>>();
  private readonly failedAt = new Map<string, { at: number; degraded: Degraded }>();
  private readonly withTable: TableWrite;

  constructor(private readonly deps: PriceBookDeps) {
    this.withTable = writesCreatingTable(deps.table);
  }

  /** Prices of every (region, size) pair, looked up in parallel. */
  async lookup(pairs: ReadonlyArray<{ region: string; vmSize: string }>): Promise<PriceLookupResult> {
    const unique = new Map(pairs.map((p) => [keyOf(p.region, p.vmSize), p]));
    const found = new Map<string, PriceQuote | undefined>();
    const degraded = new Map<string, Degraded>();
    await Promise.all(
      [...unique].map(async ([key, { region, vmSize }]) => {
        const { row, degraded: part } = await this.current(key, region, vmSize);
        if (part) degraded.set(`${part.source}|${part.status}`, part);
        found.set(key, quoteOf(row, region, vmSize));
      }),
    );
    return { quote: (region, vmSize) => found.get(keyOf(region, vmSize)), degraded: [...degraded.values()] };
  }

  /** The freshest row known for a pair: remembered, stored, or asked of the API now (once per pair at a time). */
  private async current(key: string, region: string, vmSize: string): Promise<{ row?: PriceRow; degraded?: Degraded }> {
    const remembered = this.rows.get(key);
    if (remembered && this.isFresh(remembered)) return { row: remembered };
    let flight = this.inFlight.get(key);
    if (!flight) {
      flight = this.refresh(key, region, vmSize).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, flight);
    }
    return flight;
  }

  private isFresh(row: PriceRow): boolean {
    return this.deps.now() - row.fetchedAt < PRICE_REFRESH_MS;
  }

  private async refresh(key: string, region: string, vmSize: string): Promise<{ row?: PriceRow; degraded?: Degraded }> {
    const partitionKey = region.toLowerCase();
    const rowKey = vmSize.toLowerCase();
    let stored: PriceRow | undefined;
    let storageDegraded: Degraded | undefined;
    try {
      stored = await this.deps.table.getEntity<PriceRow>(partitionKey, rowKey);
    } catch (error) {
      if (!isNotFound(error)) storageDegraded = { source: 'tableStorage:prices', ...describeFailure(error) };
    }
    if (stored && this.isFresh(stored)) {
      this.rows.set(key, stored);
      return { row: stored };
    }
    const failed = this.failedAt.get(key);
    if (failed && this.deps.now() - failed.at < RETRY_AFTER_FAILURE_MS) return { row: stored ?? this.rows.get(key), degraded: failed.degraded };
    let row: PriceRow;
    try {
      const price = await this.deps.retail.linuxHourlyPrice(region, vmSize);
      row = { partitionKey, rowKey, fetchedAt: this.deps.now(), ...(price ? { hourly: price.hourly, currency: price.currency, meter: price.meter } : {}) };
    } catch (error) {
      const degraded: Degraded = { source: 'retailPrices', ...describeFailure(error) };
      this.failedAt.set(key, { at: this.deps.now(), degraded });
      this.deps.log?.(`cost retail prices for ${region}/${vmSize} could not be read (${degraded.status}): using the ${stored ? 'stored' : 'shipped'} price`);
      return { row: stored ?? this.rows.get(key), degraded };
    }
    this.failedAt.delete(key);
    this.rows.set(key, row);
    try {
      await this.withTable(() => this.deps.table.upsertEntity(row, 'Replace'));
    } catch (error) {
      return { row, degraded: storageDegraded ?? { source: 'tableStorage:prices', ...describeFailure(error) } };
    }
    return storageDegraded ? { row, degraded: storageDegraded } : { row };
  }
}

/** A retail price in the same currency as the shipped table wins; else the shipped price; else none. */
function quoteOf(row: PriceRow | undefined, region: string, vmSize: string): PriceQuote | undefined {
  if (row?.hourly !== undefined && (row.currency ?? PRICES_CURRENCY) === PRICES_CURRENCY) {
    return { hourly: row.hourly, source: 'retailPrices', asOf: new Date(row.fetchedAt).toISOString() };
  }
  const shipped = shippedHourlyPrice(region, vmSize);
  return shipped === undefined ? undefined : { hourly: shipped, source: 'shippedTable', asOf: PRICES_AS_OF };
}
