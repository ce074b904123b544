// Kubernetes label and field selectors, as the API server parses them (the subset clients use).

export class SelectorError extends Error {}

type LabelRequirement =
  { op: 'eq' | 'neq'; key: string; value: string } | { op: 'in' | 'notin'; key: string; values: string[] } | { op: 'exists' | 'notexists'; key: string };

/** Splits on commas that are not inside parentheses: "a in (x,y),b=c" → ["a in (x,y)", "b=c"]. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

function parseLabelSelector(selector: string): LabelRequirement[] {
  return splitTerms(selector).map((term): LabelRequirement => {
    const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      return { op: set[2] as 'in' | 'notin', key: set[1]!, values };
    }
    const cmp = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (cmp) return { op: cmp[2] === '!=' ? 'neq' : 'eq', key: cmp[1]!, value: cmp[3]! };
    const exists = /^(!?)([\w./-]+)$/.exec(term);
    if (exists) return { op: exists[1] ? 'notexists' : 'exists', key: exists[2]! };
    throw new SelectorError(`unable to parse requirement: "${term}"`);
  });
}

export function labelSelectorMatcher(selector: string | null): (labels: Record<string, string> | undefined) => boolean {
  if (!selector) return () => true;
  const requirements = parseLabelSelector(selector);
  return (labels = {}) =>
    requirements.every((r) => {
      const value = labels[r.key];
      switch (r.op) {
        case 'eq':
          return value === r.value;
        case 'neq':
          return value !== r.value;
        case 'in':
          return value !== undefined && r.values.includes(value);
        case 'notin':
          return value === undefined || !r.values.includes(value);
        case 'exists':
          return value !== undefined;
        case 'notexists':
          return value === undefined;
      }
    });
}

/** What a selectable field reads: a scalar, compared as its string form ('' when absent). */
export type FieldValue = string | number | boolean | null | undefined;

/**
 * Field selector over the fields the API server supports for that kind (others: 400, as a real server answers).
 * `fields` maps a selectable field to how to read it from the rendered object.
 */
export function fieldSelectorMatcher<T>(selector: string | null, fields: Record<string, (item: T) => FieldValue>): (item: T) => boolean {
  if (!selector) return () => true;
  const requirements = splitTerms(selector).map((term) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: "${term}"`);
    const read = fields[m[1]!];
    if (!read) throw new SelectorError(`field label not supported: ${m[1]}`);
    return { read, negate: m[2] === '!=', value: m[3]! };
  });
  return (item) =>
    requirements.every((r) => {
      const raw = r.read(item);
      const value = raw === undefined || raw === null ? '' : String(raw);
      return r.negate ? value !== r.value : value === r.value;
    });
}
