// The one owner of the cache table's layout: which rows a partition holds and the filters that select them. The cache
// (readings, generation rows) and the lifecycle (transition rows) share the table and both read it from here.
//
//   monitor:aks:{sub}:{rg}            (scope)     RowKey generation    counters `list` (the list key), `tree` (all below)
//                                                        v:            the cluster list reading
//                                                        t:{cluster}   a transition row (shared/lifecycle)
//   monitor:aks:{sub}:{rg}:{cluster}  (cluster)   RowKey generation    counter `counter`
//                                                        v:{category}  one reading per category
// Every reading's RowKey starts with `v:`, so purges and scans (RowKey range 'v:'..'v;') never touch generation or
// transition rows. Partition keys are encoded logical prefixes, so the boundary-safe range
// `PK eq p or (PK ge 'p:' and PK lt 'p;')` selects exactly the units at or under a logical prefix p.
// Subscription and root purges have no row of their own: they bump every generation row in their range
// (a fill creates its partition's row before its fetch starts, so an in-flight fill always has one to bump).
import { odata } from '@azure/data-tables';

export const GENERATION_ROW_KEY = 'generation';
export const READING_ROW_PREFIX = 'v:';
export const TRANSITION_ROW_PREFIX = 't:';

/** Every partition strictly below p: PartitionKey ge 'p:' and PartitionKey lt 'p;' (';' follows ':'). */
export function partitionsBelowFilter(partitionKey: string): string {
  return odata`(PartitionKey ge ${partitionKey + ':'} and PartitionKey lt ${partitionKey + ';'})`;
}

/** The partition p itself and every partition below it, never a look-alike such as p-blue or p0. */
export function partitionTreeFilter(partitionKey: string): string {
  return `(${odata`PartitionKey eq ${partitionKey}`} or ${partitionsBelowFilter(partitionKey)})`;
}

/** Every RowKey starting with `prefix`, which ends in ':' (the range 'x:'..'x;'). */
export function rowKeyPrefixFilter(prefix: string): string {
  return odata`(RowKey ge ${prefix} and RowKey lt ${prefix.slice(0, -1) + ';'})`;
}

export const READING_ROWS_FILTER = rowKeyPrefixFilter(READING_ROW_PREFIX);
export const GENERATION_ROWS_FILTER = odata`RowKey eq ${GENERATION_ROW_KEY}`;
export const TRANSITION_ROWS_FILTER = rowKeyPrefixFilter(TRANSITION_ROW_PREFIX);
