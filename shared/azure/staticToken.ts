// The simulated Azure's access tokens (AZURE_CREDENTIAL=static): one JWT per audience, signed (HS256) with the
// static secret, so the simulator can refuse a token meant for another service (an ARM token at an AKS API server),
// as Entra-protected services do. Real tokens are RS256 from Entra; only the audience check matters here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface StaticTokenClaims {
  /** The resource the token is for: the scope without "/.default" (e.g. the AKS server id, or ARM's endpoint). */
  aud: string;
  /** The identity's object id (stable per secret): what Kubernetes names the caller in a 403. */
  oid: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** The audience a scope asks for: "https://management.azure.com/.default" → "https://management.azure.com". */
export function audienceOfScope(scope: string): string {
  return scope.replace(/\/\.default$/, '');
}

/** The object id of the identity behind a static secret: a GUID derived from it, never the secret itself. */
export function staticObjectId(secret: string): string {
  const h = createHash('sha256').update(`object-id:${secret}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function mintStaticToken(secret: string, audience: string, expiresOnTimestamp: number): string {
  const claims: StaticTokenClaims = { aud: audience, oid: staticObjectId(secret), exp: Math.floor(expiresOnTimestamp / 1000) };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${sign(secret, `${HEADER}.${payload}`)}`;
}

/** The claims of a token signed with `secret`; undefined for anything else (another secret, not a JWT, tampered). */
export function readStaticToken(secret: string, token: string): StaticTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = Buffer.from(sign(secret, `${parts[0]}.${parts[1]}`));
  const presented = Buffer.from(parts[2]!);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as StaticTokenClaims;
    return typeof claims.aud === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}
