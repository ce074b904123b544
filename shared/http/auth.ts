// Who is calling, and what they may do. In Azure, App Service Authentication validates the sign-in and injects
// x-ms-client-principal (clients cannot set it there); we trust that header only when the app really runs behind it.
// Locally, AUTH_MODE=development stands in a configured principal. Nothing else authenticates anyone.
import type { HttpHandler } from '@azure/functions';
import { ALL_RESOURCE_GROUPS, type Config } from '../config.js';
import type { Scope } from '../scope.js';
import { forbidden, scopeNotAllowed, unauthenticated } from './errors.js';
import type { Caller } from '../caller.js';
import type { Permission } from '../wire/index.js';
export type { Caller, Permission };

/** What a route needs: nothing, a signed-in caller (any roles), or a permission. */
export type AuthLevel = 'none' | 'signedIn' | Permission;

/** An HTTP handler that carries the auth level its route declared (set by the request pipeline's wrap). */
export type GuardedHandler = HttpHandler & { readonly auth: AuthLevel };

/** The decoded x-ms-client-principal, as App Service documents it. */
export interface ClientPrincipal {
  auth_typ: string;
  claims: { typ: string; val: string }[];
  name_typ?: string;
  role_typ?: string;
}

export const CLIENT_PRINCIPAL_HEADER = 'x-ms-client-principal';
const MAX_PRINCIPAL_HEADER_CHARS = 32 * 1024;
/** App roles arrive as claims of this type. The header's own role_typ is not trusted to name another claim type. */
const ROLE_CLAIM_TYPE = 'roles';
const NAME_CLAIM_TYPES = [
  'name',
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
];
const ID_CLAIM_TYPES = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid', 'sub'];

/** Decodes the header; undefined when it is not base64 of the documented JSON shape. Never throws. */
export function decodeClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (!header || header.length > MAX_PRINCIPAL_HEADER_CHARS) return undefined;
  const compact = header.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
    const value = JSON.parse(json) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const principal = value as Record<string, unknown>;
    if (typeof principal.auth_typ !== 'string' || !Array.isArray(principal.claims)) return undefined;
    const claims = (principal.claims as unknown[]).filter((c): c is { typ: string; val: string } => {
      const claim = c as { typ?: unknown; val?: unknown } | null;
      return !!claim && typeof claim === 'object' && typeof claim.typ === 'string' && typeof claim.val === 'string';
    });
    return {
      auth_typ: principal.auth_typ,
      claims,
      name_typ: typeof principal.name_typ === 'string' ? principal.name_typ : undefined,
      role_typ: typeof principal.role_typ === 'string' ? principal.role_typ : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The header App Service would send for a principal (tests, the local stack). */
export function encodeClientPrincipal(principal: ClientPrincipal): string {
  return Buffer.from(JSON.stringify(principal), 'utf8').toString('base64');
}

/** Names end up in logs and captures: printable and bounded. */
function cleanName(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are stripped from names.
  return value.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 256);
}

export interface Auth {
  /** The caller, or undefined when nobody trustworthy is signed in. Never throws. */
  authenticate(headers: Headers): Caller | undefined;
  /** Throws 401 (no caller) or 403 (missing permission) unless the level is met. */
  authorize(caller: Caller | undefined, level: AuthLevel): void;
  /**
   * The allowed scope matching the request (its configured spelling; the asked resource group under a
   * subscription-wide `{subscriptionId}/*` entry), or throws 403.
   */
  allowedScope(scope: Scope): Scope;
  readonly allowedScopes: readonly Scope[];
}

export function createAuth(config: Config['auth']): Auth {
  const permissionsOf = (roles: readonly string[]): Permission[] => {
    const has = (role: string) => roles.includes(role);
    if (has(config.roles.admin)) return ['read', 'operate', 'admin'];
    if (has(config.roles.operate)) return ['read', 'operate'];
    if (has(config.roles.read)) return ['read'];
    return [];
  };

  const developmentCaller: Caller | undefined =
    config.mode === 'development' && config.devPrincipal
      ? {
          name: cleanName(config.devPrincipal.name),
          provider: 'development',
          roles: [...config.devPrincipal.roles],
          permissions: permissionsOf(config.devPrincipal.roles),
        }
      : undefined;
  const trustHeader = config.mode === 'appService' && config.appServiceAuthEnabled;
  const allowedScopes = config.allowedScopes.map((s) => ({ subscriptionId: s.subscriptionId.toLowerCase(), resourceGroup: s.resourceGroup }));
  // Built once, so that a request looks its scope up instead of scanning (and lower-casing) the list. The first
  // spelling configured wins, as a scan would find it.
  const scopeKey = (subscriptionId: string, resourceGroup: string) => `${subscriptionId}\n${resourceGroup.toLowerCase()}`;
  const scopesByKey = new Map<string, Scope>();
  for (const s of allowedScopes) {
    const key = scopeKey(s.subscriptionId, s.resourceGroup);
    if (!scopesByKey.has(key)) scopesByKey.set(key, s);
  }
  const wholeSubscriptions = new Set(allowedScopes.filter((s) => s.resourceGroup === ALL_RESOURCE_GROUPS).map((s) => s.subscriptionId));

  function fromHeaders(headers: Headers): Caller | undefined {
    const principal = decodeClientPrincipal(headers.get(CLIENT_PRINCIPAL_HEADER));
    if (!principal) return undefined;
    const claim = (types: readonly (string | undefined)[]) => types.map((t) => t && principal.claims.find((c) => c.typ === t)?.val).find((v) => !!v);
    const roles = [...new Set(principal.claims.filter((c) => c.typ === ROLE_CLAIM_TYPE).map((c) => c.val))];
    const userId = headers.get('x-ms-client-principal-id') ?? claim(ID_CLAIM_TYPES);
    const name = claim([principal.name_typ, ...NAME_CLAIM_TYPES]) ?? headers.get('x-ms-client-principal-name') ?? userId ?? 'unknown';
    return {
      name: cleanName(name),
      provider: cleanName(principal.auth_typ || headers.get('x-ms-client-principal-idp') || 'unknown'),
      ...(userId ? { userId: cleanName(userId) } : {}),
      roles: roles.map(cleanName),
      permissions: permissionsOf(roles),
    };
  }

  return {
    allowedScopes,
    authenticate(headers) {
      if (developmentCaller) return developmentCaller; // a header is never trusted in development mode
      if (!trustHeader) return undefined; // not behind App Service Authentication: any principal header is spoofed
      try {
        return fromHeaders(headers);
      } catch {
        return undefined;
      }
    },
    authorize(caller, level) {
      if (level === 'none') return;
      if (!caller) throw unauthenticated();
      if (level === 'signedIn') return;
      if (!caller.permissions.includes(level)) throw forbidden(`This needs the role ${config.roles[level]}`);
    },
    allowedScope(scope) {
      const sub = scope.subscriptionId.toLowerCase();
      const match = scopesByKey.get(scopeKey(sub, scope.resourceGroup));
      if (match) return match;
      if (wholeSubscriptions.has(sub)) {
        return { subscriptionId: sub, resourceGroup: scope.resourceGroup };
      }
      throw scopeNotAllowed();
    },
  };
}
