// Kubernetes resource quantities ("250m", "2", "1Gi", "512Mi", "1024Ki", "1e3", "129e6"), as the API server
// writes them. Unparsable input is upstream data, not a bug: it gives undefined, never throws.

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity as a plain number (cores, bytes...), or undefined when it is not a quantity. */
export function parseQuantity(raw: string | number | undefined | null): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = QUANTITY.exec(raw.trim());
  if (!m) return undefined;
  const value = Number(m[1]!) * (m[2] ? 10 ** Number(m[2].slice(1)) : SUFFIXES[m[3] ?? '']!);
  return Number.isFinite(value) ? value : undefined;
}

/** CPU quantity in millicores ("250m" → 250, "2" → 2000, "1500000n" → 2 rounded up, as kubectl does). */
export function cpuMillicores(raw: string | number | undefined | null): number | undefined {
  const cores = parseQuantity(raw);
  return cores === undefined ? undefined : Math.ceil(Math.round(cores * 1e9) / 1e6);
}

/** Memory quantity in bytes ("1Gi" → 1073741824, "1024Ki" → 1048576, "1e3" → 1000). */
export function memoryBytes(raw: string | number | undefined | null): number | undefined {
  const bytes = parseQuantity(raw);
  return bytes === undefined ? undefined : Math.round(bytes);
}

/** used / total in percent with one decimal, or null when either side is unknown or total is 0. */
export function percentOf(used: number | undefined, total: number | undefined): number | null {
  if (used === undefined || total === undefined || total <= 0) return null;
  return Math.round((used / total) * 1000) / 10;
}
