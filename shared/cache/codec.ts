// A reading's value as entity properties. Table Storage limits: a property ≤ 64 KiB (a string ≤ 32 K UTF-16
// units), an entity ≤ 1 MiB (Azurite measures the JSON body, where binary travels as base64).
// Small readings are stored as one JSON string (no CPU on the hit path); larger ones gzip-compressed and split
// across binary properties; readings that stay too large are not stored.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

export const MAX_JSON_STRING_UNITS = 32_000;
export const CHUNK_BYTES = 64_000;
/** 720 000 bytes travel as 960 000 base64 characters: under 1 MiB with the rest of the entity. */
export const MAX_STORED_BYTES = 720_000;

export type ValueProperties = Record<string, string | number | Uint8Array>;

export type EncodedValue =
  { ok: true; properties: ValueProperties; storedBytes: number } | { ok: false; reason: 'too-large' | 'not-serializable'; storedBytes?: number };

export function encodeValue(value: unknown): EncodedValue {
  let json: string;
  try {
    // undefined at run time for a value JSON cannot express (undefined, a function), whatever the declared type says.
    const text = JSON.stringify(value) as string | undefined;
    json = text ?? 'null';
  } catch {
    return { ok: false, reason: 'not-serializable' };
  }
  if (json.length <= MAX_JSON_STRING_UNITS) return { ok: true, properties: { enc: 'json', chunks: 1, d0: json }, storedBytes: json.length * 2 };
  const zipped = gzipSync(json);
  if (zipped.length > MAX_STORED_BYTES) return { ok: false, reason: 'too-large', storedBytes: zipped.length };
  const properties: ValueProperties = { enc: 'gzip', chunks: Math.ceil(zipped.length / CHUNK_BYTES) };
  for (let i = 0; i * CHUNK_BYTES < zipped.length; i++) {
    properties[`d${i}`] = zipped.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
  }
  return { ok: true, properties, storedBytes: zipped.length };
}

/** Throws if the stored properties are incomplete or corrupt (the caller treats the row as missing). */
export function decodeValue(entity: Record<string, unknown>): unknown {
  const enc = entity.enc;
  if (enc === 'json' && typeof entity.d0 === 'string') return JSON.parse(entity.d0);
  if (enc === 'gzip' && typeof entity.chunks === 'number') {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < entity.chunks; i++) {
      const part = entity[`d${i}`];
      if (!(part instanceof Uint8Array)) throw new Error(`chunk d${i} missing`);
      parts.push(part);
    }
    return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8'));
  }
  throw new Error(`unknown encoding ${String(enc)}`);
}

/**
 * A short name of what a reading says, stored with it: equal for two fetches of an unchanged fleet, so an HTTP
 * ETag built from it lets polls answer 304 across refreshes. Ages (`ageSeconds`) are left out: they follow from the
 * timestamps next to them and the reading's fetchedAt, and change every second while nothing else does.
 */
export function contentVersion(value: unknown): string | undefined {
  try {
    // undefined at run time for a value JSON cannot express, whatever the declared type says.
    const json = JSON.stringify(value, (key, v: unknown) => (key === 'ageSeconds' ? undefined : v)) as string | undefined;
    return createHash('sha256')
      .update(json ?? 'null')
      .digest('base64url')
      .slice(0, 22);
  } catch {
    return undefined;
  }
}
