// The detail tables' rows as the user asked for them: a text filter over every column, a namespace filter, and a
// sort by any column (numbers as numbers, times as times, the rest as text; ties keep the server's order). DOM-free.

export interface ColumnDef<T> {
  key: string;
  label: string;
  /** The value to sort by; undefined sorts last either way. */
  sortValue?: (row: T) => string | number | undefined;
  /** The text the filter matches (the sort value when absent). */
  text?: (row: T) => string | undefined;
}

export interface TableQuery {
  text: string;
  /** '' = every namespace. */
  namespace: string;
  sort?: { key: string; descending: boolean };
}

/** The namespaces among the rows, sorted; empty when the rows have none. */
export function namespacesOf<T>(rows: readonly T[], namespaceOf: (row: T) => string | undefined): string[] {
  return [...new Set(rows.map(namespaceOf).filter((n): n is string => Boolean(n)))].sort((a, b) => a.localeCompare(b));
}

export function viewRows<T>(rows: readonly T[], columns: readonly ColumnDef<T>[], query: TableQuery, namespaceOf?: (row: T) => string | undefined): T[] {
  const needle = query.text.trim().toLowerCase();
  const shown = rows.filter((row) => {
    if (query.namespace && namespaceOf && namespaceOf(row) !== query.namespace) return false;
    if (!needle) return true;
    return columns.some((c) =>
      String((c.text ?? c.sortValue)?.(row) ?? '')
        .toLowerCase()
        .includes(needle),
    );
  });
  const column = query.sort && columns.find((c) => c.key === query.sort?.key);
  if (!column?.sortValue || !query.sort) return shown;
  const { descending } = query.sort;
  const value = column.sortValue;
  return shown
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.index - b.index : a.v === undefined ? 1 : -1;
      const order = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), undefined, { numeric: true });
      return (descending ? -order : order) || a.index - b.index;
    })
    .map((x) => x.row);
}
