// Small readers of answers as they arrive (unknown JSON). `Untrusted<T>` names the fields of a wire type with their
// values still unchecked: a parser reads only fields the contract has, so a renamed field fails typecheck here too.

/** A wire object before checking: the contract's field names, each value still to be verified. */
export type Untrusted<T> = { readonly [K in keyof T]?: unknown };

// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- generic T: the rule sees the mapped type before T is known
export const isObject = <T = Record<string, unknown>>(v: unknown): v is Untrusted<T> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strings = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string' && x !== '');

/** Epoch ms from the ISO times the API sends. */
export function toEpochMs(v: unknown): number | undefined {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/** The items of a list that parse, the rest dropped. */
export const listOf = <T>(v: unknown, item: (x: unknown) => T | undefined): T[] =>
  arr(v)
    .map(item)
    .filter((x): x is T => x !== undefined);
