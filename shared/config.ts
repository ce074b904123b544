// Every setting the app reads, read and validated here once. Nothing else touches process.env.
// The SETTINGS table is also what infra/ and local.settings.sample.json are checked against.
import type { Scope } from './scope.js';
import { NOTIFICATION_KINDS, type NotificationKind } from './wire/notifications.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Setting ${setting}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Setting = { name: string; description: string };

/** Every app setting the code reads, with what it is for. Order is the order of the docs. */
export const SETTINGS = [
  // Table Storage (cache, transitions, inspector ring)
  {
    name: 'TABLE_STORAGE_CONNECTION_STRING',
    description: 'Connection string (Azurite locally). Empty in Azure: the endpoint and the managed identity are used.',
  },
  { name: 'TABLE_STORAGE_ENDPOINT', description: 'https://<account>.table.core.windows.net, used with the Azure credential when no connection string is set.' },
  { name: 'CACHE_TABLE_NAME', description: 'Table of the monitor cache, generation rows and transitions.' },
  { name: 'INSPECTOR_TABLE_NAME', description: 'Table of the inspector ring.' },
  { name: 'AUDIT_TABLE_NAME', description: 'Table of the audit trail (append-only).' },
  { name: 'SCHEDULES_TABLE_NAME', description: 'Table of the start/stop schedules.' },
  { name: 'PRICES_TABLE_NAME', description: 'Table of the VM prices read from the Azure Retail Prices API (at most daily), shared by every instance.' },
  { name: 'AUTOSTOP_TABLE_NAME', description: "Table of the clusters' idle auto-stop settings, claims and last busy check." },
  { name: 'NOTIFY_TABLE_NAME', description: 'Table of the notification feed, the per-user "seen until" rows and the webhook outbox.' },
  // Audit trail
  { name: 'AUDIT_RETENTION_DAYS', description: 'Audit entries older than this are removed by the schedules timer.' },
  // Idle auto-stop
  { name: 'AUTOSTOP_SCHEDULE', description: 'NCRONTAB (with seconds) of the idle auto-stop evaluation, on every instance.' },
  {
    name: 'AUTOSTOP_BUSY_SELECTORS',
    description: 'Comma-separated key=value label selectors: a pod (or job pod) matching one that has not finished keeps its cluster busy.',
  },
  // Schedules
  { name: 'SCHEDULES_MAX_PER_CLUSTER', description: 'Schedules one cluster may have; a create past it is refused (409 scheduleLimitReached).' },
  { name: 'SCHEDULES_MAX_PER_SCOPE', description: 'Schedules one resource group may have; a create past it is refused (409 scheduleLimitReached).' },
  // Monitor cache
  { name: 'MONITOR_CACHE_TTL_SECONDS', description: 'A reading is fresh for this long.' },
  { name: 'MONITOR_CACHE_SWR_SECONDS', description: 'After TTL, served stale (and refreshed in the background) for this long.' },
  {
    name: 'MONITOR_CACHE_DEGRADED_TTL_SECONDS',
    description: 'A reading with a part that could not be read is kept this long (the next poll after it retries); never over a complete one.',
  },
  {
    name: 'MONITOR_CACHE_REUSE_MS',
    description:
      'A fresh reading an instance has just read from Table Storage is answered again for this long without another read (0: off); a purge on another instance is seen at most this late.',
  },
  { name: 'MONITOR_CACHE_TRANSITION_TTL_SECONDS', description: 'TTL of a scope cluster list while a transition is open.' },
  { name: 'TRANSITION_DEADLINE_SECONDS', description: 'A lifecycle transition is reported timedOut after this long.' },
  {
    name: 'SUBSCRIPTION_NAMES_TTL_SECONDS',
    description: "ARM's subscription list (display names of the allowed subscriptions) is fresh for this long: one ARM call per TTL.",
  },
  // Timer refresh
  { name: 'REFRESH_SCHEDULE', description: 'NCRONTAB (with seconds) of the background refresh timer.' },
  { name: 'REFRESH_CONCURRENCY', description: 'Refreshes running at once in one timer run.' },
  { name: 'REFRESH_BUDGET_SECONDS', description: 'Time budget of one timer run.' },
  // Upstreams
  { name: 'UPSTREAM_TIMEOUT_MS', description: 'Upper bound of one upstream (ARM or Kubernetes) call, retries included.' },
  { name: 'ARM_ENDPOINT', description: 'Azure Resource Manager endpoint.' },
  { name: 'AZURE_CREDENTIAL', description: 'managedIdentity, default or static (static: the simulated Azure).' },
  { name: 'AZURE_CLIENT_ID', description: 'Client id of the user-assigned managed identity.' },
  { name: 'STATIC_ACCESS_TOKEN', description: 'With AZURE_CREDENTIAL=static: the secret that signs the per-audience tokens presented to ARM and Kubernetes.' },
  { name: 'STATIC_ACCESS_TOKEN_LIFETIME_SECONDS', description: 'With AZURE_CREDENTIAL=static: the lifetime reported for that token.' },
  { name: 'TRUSTED_CA', description: 'Extra CA (PEM text or a file path) trusted for ARM, e.g. the simulated Azure. Empty in Azure.' },
  { name: 'RETAIL_PRICES_ENDPOINT', description: 'The public Azure Retail Prices API (no sign-in), read for VM prices at most daily.' },
  // Kubernetes sessions
  {
    name: 'K8S_SESSION_POOL_TTL_SECONDS',
    description: 'Lifetime of a pooled Kubernetes session (clamped by credential expiry); 0 or negative: one-shot sessions.',
  },
  { name: 'K8S_SESSION_POOL_MAX_ENTRIES', description: 'Pool bound: a whole number, clamped into [1, 4096].' },
  {
    name: 'K8S_USE_ADMIN_CREDENTIALS',
    description: 'true: read with listClusterAdminCredential (client certificate) instead of user credentials + Entra token.',
  },
  { name: 'WARMUP_LABEL_SELECTOR', description: 'Label selector of the database warm-up jobs.' },
  // Storage and container registry cards
  { name: 'STORAGE_USAGE_MAX_BLOBS', description: "Blobs counted per container before its usage is reported as a lower bound ('truncated')." },
  {
    name: 'STORAGE_USAGE_TTL_SECONDS',
    description: "A container's usage (blob count, bytes, databases) is fresh for this long; its own key, apart from the overview's TTL.",
  },
  { name: 'STORAGE_DATABASE_CONTAINER', description: 'The blob container whose top-level prefixes are the databases.' },
  { name: 'EXPECTED_IMAGES', description: 'Comma-separated repo:tag images the registry card reports as built, missing or building.' },
  { name: 'REGISTRY_TAGS_PER_REPOSITORY', description: 'Newest tags shown per repository.' },
  // Request pipeline
  { name: 'AUTH_MODE', description: 'appService (trust x-ms-client-principal behind App Service Authentication) or development (a fixed local principal).' },
  { name: 'WEBSITE_AUTH_ENABLED', description: 'Set by App Service when App Service Authentication is on.' },
  { name: 'WEBSITE_INSTANCE_ID', description: 'Set by App Service / Functions in Azure: AUTH_MODE=development is refused when it is.' },
  { name: 'WEBSITE_SITE_NAME', description: 'Set by App Service / Functions in Azure: AUTH_MODE=development is refused when it is.' },
  { name: 'DEV_PRINCIPAL_NAME', description: 'With AUTH_MODE=development: the local caller.' },
  { name: 'DEV_PRINCIPAL_ROLES', description: 'With AUTH_MODE=development: comma-separated roles of the local caller.' },
  { name: 'ROLE_READ', description: 'Role for every read.' },
  { name: 'ROLE_OPERATE', description: 'Role for start and stop.' },
  { name: 'ROLE_ADMIN', description: 'Role for delete.' },
  {
    name: 'ALLOWED_SCOPES',
    description: 'Comma-separated subscriptionId/resourceGroup pairs anyone may ask for; subscriptionId/* allows every resource group of a subscription.',
  },
  { name: 'INSPECTOR_CAPACITY', description: 'Captured calls kept (newest).' },
  { name: 'INSPECTOR_UNCAPTURED_PREFIXES', description: 'Comma-separated path prefixes of polling GETs that are never captured.' },
  { name: 'INSPECTOR_PSEUDONYM_KEY', description: "Secret key of the callers' pseudonyms in captures (HMAC); empty: a random key per instance." },
  // Notifications
  { name: 'NOTIFY_FEED_RETENTION_DAYS', description: 'Feed rows and delivered or dead outbox rows older than this are removed by the notifications timer.' },
  {
    name: 'NOTIFY_WEBHOOKS',
    description:
      'Webhook receivers: a JSON list of { name?, url, format: generic|slack|teams, kinds? } or comma-separated format=url entries; https only. The URLs are secrets (a Key Vault reference in Azure).',
  },
  {
    name: 'NOTIFY_WEBHOOK_SECRET',
    description: 'HMAC-SHA256 key of the X-Dashboard-Signature header on every delivery (≥ 16 characters); required with NOTIFY_WEBHOOKS.',
  },
  {
    name: 'NOTIFY_WEBHOOK_ALLOWED_HOSTS',
    description: 'Comma-separated host names (or *.suffix) a receiver may have; empty: any public host. An IP literal host is refused unless named here.',
  },
  { name: 'NOTIFY_MAX_ATTEMPTS', description: 'Delivery attempts per event and receiver before the delivery is dead-lettered.' },
  { name: 'NOTIFY_SCHEDULE', description: 'NCRONTAB (with seconds) of the webhook outbox sweep (retries) and the feed retention.' },
  {
    name: 'NOTIFY_ALLOW_LOOPBACK_FOR_TESTS',
    description: 'true: receivers on loopback addresses are delivered to (tests and the local demo only); refused in Azure.',
  },
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['name'];

/**
 * The one list of GETs the inspector never captures, unless INSPECTOR_UNCAPTURED_PREFIXES says otherwise: everything
 * the dashboard polls (the monitor reads and the fleet, its own panels' reads, audit, cost, schedules, auto-stop and
 * notifications), so its polling neither fills the ring nor pushes real calls out of it. Writes are always captured.
 */
export const DEFAULT_UNCAPTURED_PREFIXES: readonly string[] = [
  '/api/monitor',
  '/api/me',
  '/api/inspector',
  '/api/health',
  '/api/audit',
  '/api/cost',
  '/api/schedules',
  '/api/fleet',
  '/api/autostop',
  '/api/notifications',
];

/** Settings the platform sets itself; infra/ does not set them. */
export const PLATFORM_SETTINGS: readonly SettingName[] = ['WEBSITE_AUTH_ENABLED', 'WEBSITE_INSTANCE_ID', 'WEBSITE_SITE_NAME'];

/** Settings only the App Service / Functions platform sets: any of them means the app runs in Azure. */
const AZURE_PLATFORM_MARKERS: readonly SettingName[] = ['WEBSITE_INSTANCE_ID', 'WEBSITE_SITE_NAME'];

export type AzureCredentialMode = 'managedIdentity' | 'default' | 'static';
export type AuthMode = 'appService' | 'development';

export interface Config {
  tables: {
    connectionString?: string;
    endpoint?: string;
    cacheTable: string;
    inspectorTable: string;
    auditTable: string;
    schedulesTable: string;
    pricesTable: string;
    autostopTable: string;
    notifyTable: string;
  };
  audit: { retentionDays: number };
  autostop: { schedule: string; busySelectors: BusySelector[] };
  schedules: { maxPerCluster: number; maxPerScope: number };
  cache: {
    ttlSeconds: number;
    swrSeconds: number;
    degradedTtlSeconds: number;
    transitionTtlSeconds: number;
    transitionDeadlineSeconds: number;
    reuseMs: number;
    subscriptionNamesTtlSeconds: number;
  };
  refresh: { schedule: string; concurrency: number; budgetSeconds: number };
  upstream: { timeoutMs: number };
  azure: {
    armEndpoint: string;
    credential: AzureCredentialMode;
    clientId?: string;
    staticToken?: string;
    staticTokenLifetimeSeconds: number;
    trustedCa?: string;
    retailPricesEndpoint: string;
  };
  k8s: {
    sessionTtlSeconds: number;
    sessionMaxEntries: number;
    useAdminCredentials: boolean;
    warmupLabelSelector: string;
  };
  storage: { usageMaxBlobs: number; usageTtlSeconds: number; databaseContainer: string };
  registry: { expectedImages: ExpectedImageRef[]; tagsPerRepository: number };
  auth: {
    mode: AuthMode;
    appServiceAuthEnabled: boolean;
    devPrincipal?: { name: string; roles: string[] };
    roles: { read: string; operate: string; admin: string };
    /** resourceGroup '*' (ALL_RESOURCE_GROUPS): every resource group of the subscription. */
    allowedScopes: Scope[];
  };
  inspector: { capacity: number; uncapturedPrefixes: string[]; pseudonymKey?: string };
  notify: {
    feedRetentionDays: number;
    webhooks: WebhookReceiver[];
    /** Set whenever webhooks are: every delivery is signed. */
    webhookSecret?: string;
    /** Lower-case host names and `*.suffix` patterns; empty: any public host. */
    allowedHosts: string[];
    maxAttempts: number;
    schedule: string;
    allowLoopbackForTests: boolean;
  };
}

export type WebhookFormat = 'generic' | 'slack' | 'teams';
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['generic', 'slack', 'teams'];

/** One configured webhook receiver. Its URL is a secret: logs, rows and answers name the receiver by `name` only. */
export interface WebhookReceiver {
  name: string;
  url: string;
  format: WebhookFormat;
  /** The kinds sent to it; undefined: every kind. */
  kinds?: NotificationKind[];
}

class Reader {
  constructor(private readonly env: Env) {}

  string(name: SettingName, fallback: string): string {
    const raw = this.env[name]?.trim();
    return raw ? raw : fallback;
  }

  optional(name: SettingName): string | undefined {
    const raw = this.env[name]?.trim();
    return raw ? raw : undefined;
  }

  int(name: SettingName, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
    return value;
  }

  bool(name: SettingName, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(name, `expected true or false, got "${raw}"`);
  }

  oneOf<T extends string>(name: SettingName, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  }

  list(name: SettingName, fallback: string[]): string[] {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

/** An https:// URL without query or fragment (its trailing slashes dropped), or a ConfigError. */
function httpsUrl(name: SettingName, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected an https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password)
    throw new ConfigError(name, `expected an https:// URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/** One EXPECTED_IMAGES entry: `repository:tag` (the repository may have slashes, the tag no colon). */
export interface ExpectedImageRef {
  repository: string;
  tag: string;
}

export const DEFAULT_EXPECTED_IMAGES = 'ncbi/elb:1.4.0,ncbi/elasticblast-job-submit:4.1.0,ncbi/elasticblast-query-split:0.1.4,ncbi/elasticblast-janitor:0.4.0';

/** Repository names as the registry allows them (lowercase path components), then one tag. */
const EXPECTED_IMAGE = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/;

export function parseExpectedImages(entries: readonly string[]): ExpectedImageRef[] {
  return entries.map((entry) => {
    const m = EXPECTED_IMAGE.exec(entry);
    if (!m) throw new ConfigError('EXPECTED_IMAGES', `expected repository:tag, got "${entry}"`);
    return { repository: m[1]!, tag: m[2]! };
  });
}

/** One AUTOSTOP_BUSY_SELECTORS entry: pods whose label `key` is `value`. */
export interface BusySelector {
  key: string;
  value: string;
}

export const DEFAULT_AUTOSTOP_BUSY_SELECTORS = 'app=blast,app=elb-db-warmup,app=elb-prepare-db';

/** Label keys and values as Kubernetes allows them (an optional DNS prefix, then a name of ≤ 63). */
const BUSY_SELECTOR =
  /^((?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

export function parseBusySelectors(entries: readonly string[]): BusySelector[] {
  if (!entries.length) throw new ConfigError('AUTOSTOP_BUSY_SELECTORS', 'expected at least one key=value label selector');
  return entries.map((entry) => {
    const m = BUSY_SELECTOR.exec(entry);
    if (!m) throw new ConfigError('AUTOSTOP_BUSY_SELECTORS', `expected key=value (a Kubernetes label and value), got "${entry}"`);
    return { key: m[1]!, value: m[5]! };
  });
}

/** Blob container names: 3-63 lowercase letters, digits and single hyphens (Azure's rule). */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** The resource group of a subscription-wide ALLOWED_SCOPES entry (subscriptionId/*). */
export const ALL_RESOURCE_GROUPS = '*';

/** The pool bound: any whole number is clamped into [1, 4096] (e.g. -3 → 1); anything else is refused. */
export function clampPoolSize(raw: string | undefined, fallback = 32): number {
  const text = raw?.trim();
  if (!text) return fallback;
  if (!/^[+-]?\d+$/.test(text)) throw new ConfigError('K8S_SESSION_POOL_MAX_ENTRIES', `expected a whole number, got "${text}"`);
  return Math.min(4096, Math.max(1, Number(text)));
}

const RECEIVER_NAME = /^[A-Za-z0-9_-]{1,40}$/;
const ALLOWED_HOST = /^(\*\.)?[a-z0-9.:[\]-]{1,253}$/;

/**
 * NOTIFY_WEBHOOKS: a JSON list of { name?, url, format, kinds? }, or comma-separated `format=url` entries. Problems
 * name the entry by position, never its URL (a secret). Only https URLs without credentials are accepted here; where
 * they resolve to is checked at every delivery (shared/notifications/addressGuard.ts).
 */
export function parseWebhookReceivers(raw: string | undefined): WebhookReceiver[] {
  if (!raw) return [];
  const fail = (problem: string): never => {
    throw new ConfigError('NOTIFY_WEBHOOKS', problem);
  };
  let entries: unknown[];
  if (raw.startsWith('[')) {
    try {
      entries = JSON.parse(raw) as unknown[];
    } catch {
      return fail('not valid JSON');
    }
    if (!Array.isArray(entries)) fail('expected a JSON list');
  } else {
    entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const at = entry.indexOf('=');
        return at > 0 ? { format: entry.slice(0, at).trim(), url: entry.slice(at + 1).trim() } : { url: entry };
      });
  }
  const names = new Set<string>();
  return entries.map((value, index) => {
    const where = `entry ${index + 1}`;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(`${where}: expected an object`);
    const entry = value as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => !['name', 'url', 'format', 'kinds'].includes(k));
    if (unknown.length) fail(`${where}: unknown field ${unknown[0]}`);
    const format = entry.format ?? 'generic';
    if (typeof format !== 'string' || !(WEBHOOK_FORMATS as readonly string[]).includes(format))
      fail(`${where}: format must be one of ${WEBHOOK_FORMATS.join(', ')}`);
    if (typeof entry.url !== 'string') return fail(`${where}: url missing`);
    let url: URL | undefined;
    try {
      url = new URL(entry.url);
    } catch {
      fail(`${where}: url is not a URL`);
    }
    if (url!.protocol !== 'https:') fail(`${where}: only https:// receivers are allowed`);
    if (url!.username || url!.password) fail(`${where}: credentials in the URL are not allowed`);
    const name = entry.name ?? `${format as string}-${index + 1}`;
    if (typeof name !== 'string' || !RECEIVER_NAME.test(name)) fail(`${where}: name must be 1-40 letters, digits, - or _`);
    if (names.has(name as string)) fail(`${where}: name ${name as string} is used twice`);
    names.add(name as string);
    let kinds: NotificationKind[] | undefined;
    if (entry.kinds !== undefined) {
      if (!Array.isArray(entry.kinds) || entry.kinds.length === 0) fail(`${where}: kinds must be a non-empty list`);
      const bad = (entry.kinds as unknown[]).find((k) => typeof k !== 'string' || !(NOTIFICATION_KINDS as readonly string[]).includes(k));
      if (bad !== undefined) fail(`${where}: unknown kind ${typeof bad === 'string' ? bad.slice(0, 40) : typeof bad}`);
      kinds = [...new Set(entry.kinds as NotificationKind[])];
    }
    return { name: name as string, url: entry.url, format: format as WebhookFormat, ...(kinds ? { kinds } : {}) };
  });
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const connectionString = r.optional('TABLE_STORAGE_CONNECTION_STRING');
  const endpoint = r.optional('TABLE_STORAGE_ENDPOINT');
  if (!connectionString && !endpoint) {
    throw new ConfigError('TABLE_STORAGE_CONNECTION_STRING', 'set it, or TABLE_STORAGE_ENDPOINT');
  }
  const credential = r.oneOf<AzureCredentialMode>('AZURE_CREDENTIAL', ['managedIdentity', 'default', 'static'], 'default');
  const staticToken = r.optional('STATIC_ACCESS_TOKEN');
  if (credential === 'static' && !staticToken) throw new ConfigError('STATIC_ACCESS_TOKEN', 'required with AZURE_CREDENTIAL=static');

  const mode = r.oneOf<AuthMode>('AUTH_MODE', ['appService', 'development'], 'appService');
  const devName = r.optional('DEV_PRINCIPAL_NAME');
  if (mode === 'development' && !devName) throw new ConfigError('DEV_PRINCIPAL_NAME', 'required with AUTH_MODE=development');
  // Development auth gives every caller every role: it must never survive a publish of local settings to Azure.
  const inAzure = AZURE_PLATFORM_MARKERS.find((name) => r.optional(name) !== undefined);
  if (mode === 'development' && inAzure) {
    throw new ConfigError('AUTH_MODE', `development is refused in Azure (${inAzure} is set); use appService`);
  }

  // The loopback escape lets a receiver on 127.0.0.1 be delivered to (tests, the demo): never in Azure.
  const allowLoopbackForTests = r.bool('NOTIFY_ALLOW_LOOPBACK_FOR_TESTS', false);
  if (allowLoopbackForTests && inAzure) {
    throw new ConfigError('NOTIFY_ALLOW_LOOPBACK_FOR_TESTS', `refused in Azure (${inAzure} is set)`);
  }
  const webhooks = parseWebhookReceivers(r.optional('NOTIFY_WEBHOOKS'));
  const webhookSecret = r.optional('NOTIFY_WEBHOOK_SECRET');
  if (webhooks.length && !webhookSecret) throw new ConfigError('NOTIFY_WEBHOOK_SECRET', 'required with NOTIFY_WEBHOOKS: every delivery is signed');
  if (webhookSecret && webhookSecret.length < 16) throw new ConfigError('NOTIFY_WEBHOOK_SECRET', 'expected at least 16 characters');
  const allowedHosts = r.list('NOTIFY_WEBHOOK_ALLOWED_HOSTS', []).map((host) => {
    const lower = host.toLowerCase();
    if (!ALLOWED_HOST.test(lower)) throw new ConfigError('NOTIFY_WEBHOOK_ALLOWED_HOSTS', `not a host name: "${host.slice(0, 80)}"`);
    return lower;
  });

  const databaseContainer = r.string('STORAGE_DATABASE_CONTAINER', 'blast-db');
  if (!CONTAINER_NAME.test(databaseContainer)) throw new ConfigError('STORAGE_DATABASE_CONTAINER', `not a blob container name: "${databaseContainer}"`);

  const allowedScopes = r.list('ALLOWED_SCOPES', []).map((pair) => {
    const [subscriptionId, resourceGroup, ...rest] = pair.split('/');
    if (!subscriptionId || !resourceGroup || rest.length) {
      throw new ConfigError('ALLOWED_SCOPES', `expected subscriptionId/resourceGroup or subscriptionId/*, got "${pair}"`);
    }
    return { subscriptionId: subscriptionId.toLowerCase(), resourceGroup };
  });

  return {
    tables: {
      connectionString,
      endpoint,
      cacheTable: r.string('CACHE_TABLE_NAME', 'monitorcache'),
      inspectorTable: r.string('INSPECTOR_TABLE_NAME', 'inspector'),
      auditTable: r.string('AUDIT_TABLE_NAME', 'audit'),
      schedulesTable: r.string('SCHEDULES_TABLE_NAME', 'schedules'),
      pricesTable: r.string('PRICES_TABLE_NAME', 'prices'),
      autostopTable: r.string('AUTOSTOP_TABLE_NAME', 'autostop'),
      notifyTable: r.string('NOTIFY_TABLE_NAME', 'notifications'),
    },
    audit: { retentionDays: r.int('AUDIT_RETENTION_DAYS', 400, 1, 3_650) },
    autostop: {
      schedule: r.string('AUTOSTOP_SCHEDULE', '0 * * * * *'),
      busySelectors: parseBusySelectors(r.list('AUTOSTOP_BUSY_SELECTORS', DEFAULT_AUTOSTOP_BUSY_SELECTORS.split(','))),
    },
    schedules: {
      maxPerCluster: r.int('SCHEDULES_MAX_PER_CLUSTER', 10, 1, 100),
      maxPerScope: r.int('SCHEDULES_MAX_PER_SCOPE', 100, 1, 1_000),
    },
    cache: {
      ttlSeconds: r.int('MONITOR_CACHE_TTL_SECONDS', 30, 1, 86_400),
      swrSeconds: r.int('MONITOR_CACHE_SWR_SECONDS', 300, 0, 86_400),
      degradedTtlSeconds: r.int('MONITOR_CACHE_DEGRADED_TTL_SECONDS', 5, 0, 3_600),
      transitionTtlSeconds: r.int('MONITOR_CACHE_TRANSITION_TTL_SECONDS', 5, 1, 3_600),
      transitionDeadlineSeconds: r.int('TRANSITION_DEADLINE_SECONDS', 600, 1, 86_400),
      reuseMs: r.int('MONITOR_CACHE_REUSE_MS', 500, 0, 5_000),
      subscriptionNamesTtlSeconds: r.int('SUBSCRIPTION_NAMES_TTL_SECONDS', 3_600, 1, 86_400),
    },
    refresh: {
      schedule: r.string('REFRESH_SCHEDULE', '*/15 * * * * *'),
      concurrency: r.int('REFRESH_CONCURRENCY', 4, 1, 64),
      budgetSeconds: r.int('REFRESH_BUDGET_SECONDS', 10, 1, 600),
    },
    upstream: { timeoutMs: r.int('UPSTREAM_TIMEOUT_MS', 10_000, 100, 120_000) },
    azure: {
      armEndpoint: r.string('ARM_ENDPOINT', 'https://management.azure.com'),
      credential,
      clientId: r.optional('AZURE_CLIENT_ID'),
      staticToken,
      staticTokenLifetimeSeconds: r.int('STATIC_ACCESS_TOKEN_LIFETIME_SECONDS', 3_600, 1, 86_400),
      trustedCa: r.optional('TRUSTED_CA'),
      retailPricesEndpoint: httpsUrl('RETAIL_PRICES_ENDPOINT', r.string('RETAIL_PRICES_ENDPOINT', 'https://prices.azure.com')),
    },
    k8s: {
      // Negative behaves like 0: sessions are one-shot, never pooled.
      sessionTtlSeconds: Math.max(0, r.int('K8S_SESSION_POOL_TTL_SECONDS', 300, -86_400, 86_400)),
      sessionMaxEntries: clampPoolSize(env.K8S_SESSION_POOL_MAX_ENTRIES),
      useAdminCredentials: r.bool('K8S_USE_ADMIN_CREDENTIALS', false),
      warmupLabelSelector: r.string('WARMUP_LABEL_SELECTOR', 'app=elb-db-warmup'),
    },
    storage: {
      usageMaxBlobs: r.int('STORAGE_USAGE_MAX_BLOBS', 10_000, 1, 1_000_000),
      usageTtlSeconds: r.int('STORAGE_USAGE_TTL_SECONDS', 300, 1, 86_400),
      databaseContainer,
    },
    registry: {
      expectedImages: parseExpectedImages(r.list('EXPECTED_IMAGES', DEFAULT_EXPECTED_IMAGES.split(','))),
      tagsPerRepository: r.int('REGISTRY_TAGS_PER_REPOSITORY', 5, 1, 100),
    },
    auth: {
      mode,
      appServiceAuthEnabled: r.optional('WEBSITE_AUTH_ENABLED')?.toLowerCase() === 'true',
      devPrincipal: mode === 'development' && devName ? { name: devName, roles: r.list('DEV_PRINCIPAL_ROLES', []) } : undefined,
      roles: {
        read: r.string('ROLE_READ', 'Dashboard.Read'),
        operate: r.string('ROLE_OPERATE', 'Cluster.Operate'),
        admin: r.string('ROLE_ADMIN', 'Cluster.Admin'),
      },
      allowedScopes,
    },
    inspector: {
      capacity: r.int('INSPECTOR_CAPACITY', 200, 1, 10_000),
      uncapturedPrefixes: r.list('INSPECTOR_UNCAPTURED_PREFIXES', [...DEFAULT_UNCAPTURED_PREFIXES]),
      pseudonymKey: r.optional('INSPECTOR_PSEUDONYM_KEY'),
    },
    notify: {
      feedRetentionDays: r.int('NOTIFY_FEED_RETENTION_DAYS', 30, 1, 365),
      webhooks,
      ...(webhookSecret ? { webhookSecret } : {}),
      allowedHosts,
      maxAttempts: r.int('NOTIFY_MAX_ATTEMPTS', 8, 1, 20),
      schedule: r.string('NOTIFY_SCHEDULE', '*/30 * * * * *'),
      allowLoopbackForTests,
    },
  };
}
