// A counting HTTP proxy in front of Azurite's Table service: the app reaches Table Storage through it, so a measure
// counts every Table operation the app made (each HTTP request is one operation; a batch is one), by table.
import { relay, startTableProxy, type TableProxy } from '../../dev/tableProxy.js';

export interface TableCounter extends TableProxy {
  /** Operations seen since the last reset, by table (the first path segment after the account). */
  counts(): Map<string, number>;
  reset(): void;
}

/** The table a request addresses: `/{account}/{table}(...)`, `/{account}/Tables`, `/{account}/$batch`. */
function tableOf(url: string): string {
  const segment = url.split('?')[0]!.split('/')[2] ?? '';
  return decodeURIComponent(segment.replace(/\(.*$/, ''));
}

export async function startTableCounter(connectionString: string): Promise<TableCounter> {
  let counts = new Map<string, number>();
  const proxy = await startTableProxy(connectionString, (req, res, forward) => {
    const table = tableOf(req.url ?? '/');
    counts.set(table, (counts.get(table) ?? 0) + 1);
    forward((answer) => relay(res, answer));
  });
  return {
    ...proxy,
    counts: () => new Map(counts),
    reset: () => void (counts = new Map()),
  };
}
