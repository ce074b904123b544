// Simulated Azure Storage: the ARM side (Microsoft.Storage storageAccounts listed by resource group, and
// blobServices/default/containers) and the blob data plane's front end. The blobs themselves live in Azurite's blob
// service: the front end checks the caller's Entra token (audience https://storage.azure.com), answers Azure's 403s
// for an identity without a data role (AuthorizationPermissionMismatch) or an account behind a firewall
// (AuthorizationFailure), and forwards the rest to Azurite, so the real @azure/storage-blob client lists real pages.
//
// Why a front end and not one Azurite account per simulated account: the test files share one Azurite (accounts are
// fixed when it starts), and Azurite itself cannot answer those two refusals. Each simulated container is kept as
// one Azurite container of the development account, named by a hash of (simulator, account, container), so
// simulators sharing one Azurite never see each other's blobs; the front end signs its forwarded calls with a SAS of
// the development account (Azurite's published key: not a secret).
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  ContainerClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { armError, noRegisteredProvider, resourceNotFound } from './arm.js';
import type { AppliedInjection } from './injection.js';
import type { SimRequest, SimResponse } from './server.js';
import type { TokenCheck } from './kubernetes.js';

export const STORAGE_AUDIENCE = 'https://storage.azure.com';

/** Who may read an account's blobs: the identity has Storage Blob Data Reader (`allowed`), lacks it, or a firewall stops it. */
export type BlobAccess = 'allowed' | 'noRole' | 'firewall';

export interface BlobSpec {
  /** Path inside the container, e.g. "core_nt/core_nt.00.tar.gz". */
  name: string;
  /** Bytes (the content is zeros). */
  size: number;
}

export interface BlobContainerSpec {
  name: string;
  /** ARM's publicAccess: None (default), Blob or Container. */
  publicAccess?: 'None' | 'Blob' | 'Container';
  blobs: BlobSpec[];
  /** Many small blobs, named `{prefix}{n}` (n from 0), without listing them one by one. */
  generated?: { count: number; prefix: string; size: number };
}

export interface StorageAccountSpec {
  /** 3–24 lowercase letters and digits, as Azure names them. */
  name: string;
  sku?: string;
  kind?: string;
  hierarchicalNamespace?: boolean;
  /** Enabled (default) | Disabled. */
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  allowBlobPublicAccess?: boolean;
  /** Default allowed. */
  blobAccess?: BlobAccess;
  containers: BlobContainerSpec[];
}

/** The api-versions the simulator serves for Microsoft.Storage: the one @azure/arm-storage 21 sends, and recent GA ones. */
export const STORAGE_API_VERSIONS = ['2023-05-01', '2024-01-01', '2025-01-01', '2025-06-01', '2026-09-01'];

interface StorageBackendAccount {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  spec: StorageAccountSpec;
}

export interface StorageBackend {
  accounts(subscriptionId: string, resourceGroup?: string): StorageBackendAccount[];
  /** https://127.0.0.1:{port}/ of the blob front end. */
  blobEndpoint(): string;
}

function renderAccount(account: StorageBackendAccount, backend: StorageBackend) {
  const { spec } = account;
  const id = `/subscriptions/${account.subscriptionId}/resourceGroups/${account.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${spec.name}`;
  return {
    id,
    name: spec.name,
    type: 'Microsoft.Storage/storageAccounts',
    location: account.location,
    sku: { name: spec.sku ?? 'Standard_LRS', tier: (spec.sku ?? 'Standard_LRS').startsWith('Premium') ? 'Premium' : 'Standard' },
    kind: spec.kind ?? 'StorageV2',
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      // Path-style, as Azurite: the account is the first path segment of the blob front end.
      primaryEndpoints: { blob: `${backend.blobEndpoint()}${spec.name}/`, dfs: `${backend.blobEndpoint()}${spec.name}/` },
      primaryLocation: account.location,
      statusOfPrimary: 'available',
      creationTime: '2025-01-15T09:30:00.0000000Z',
      isHnsEnabled: spec.hierarchicalNamespace ?? false,
      publicNetworkAccess: spec.publicNetworkAccess ?? 'Enabled',
      allowBlobPublicAccess: spec.allowBlobPublicAccess ?? false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
      accessTier: 'Hot',
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: spec.blobAccess === 'firewall' ? 'Deny' : 'Allow' },
      encryption: { keySource: 'Microsoft.Storage', services: { blob: { enabled: true, keyType: 'Account' } } },
    },
  };
}

function renderContainer(account: StorageBackendAccount, container: BlobContainerSpec) {
  const base = `/subscriptions/${account.subscriptionId}/resourceGroups/${account.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${account.spec.name}`;
  return {
    id: `${base}/blobServices/default/containers/${container.name}`,
    name: container.name,
    type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
    etag: `"0x8DD${createHash('sha256').update(container.name).digest('hex').slice(0, 12).toUpperCase()}"`,
    properties: {
      publicAccess: container.publicAccess ?? 'None',
      leaseStatus: 'Unlocked',
      leaseState: 'Available',
      lastModifiedTime: '2025-03-02T10:15:00.0000000Z',
      hasImmutabilityPolicy: false,
      hasLegalHold: false,
      deleted: false,
      remainingRetentionDays: 0,
    },
  };
}

/**
 * ARM requests under …/resourceGroups/{rg}/providers/Microsoft.Storage (segments lowercased in `lower`, as given in
 * `segments`): the list of accounts, and one account's containers.
 */
export function storageArmRoute(
  req: SimRequest,
  backend: StorageBackend,
  scope: { subscriptionId: string; resourceGroup: string },
  segments: string[],
): SimResponse {
  const lower = segments.map((s) => s.toLowerCase());
  const apiVersion = req.url.searchParams.get('api-version') ?? '';
  if (!STORAGE_API_VERSIONS.includes(apiVersion)) {
    return noRegisteredProvider(apiVersion, 'storageAccounts', STORAGE_API_VERSIONS);
  }
  if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', `The simulator does not support ${req.method} on storage accounts.`);
  const accounts = backend.accounts(scope.subscriptionId, scope.resourceGroup);
  // storageAccounts
  if (lower.length === 1 && lower[0] === 'storageaccounts') return { status: 200, body: { value: accounts.map((a) => renderAccount(a, backend)) } };
  const account = accounts.find((a) => a.spec.name.toLowerCase() === lower[1]);
  if (!account) {
    return resourceNotFound('Microsoft.Storage/storageAccounts', segments[1]!, scope.resourceGroup);
  }
  if (lower.length === 2) return { status: 200, body: renderAccount(account, backend) };
  // storageAccounts/{a}/blobServices/default/containers
  if (lower.length === 5 && lower[2] === 'blobservices' && lower[3] === 'default' && lower[4] === 'containers') {
    return { status: 200, body: { value: account.spec.containers.map((c) => renderContainer(account, c)) } };
  }
  return armError(404, 'InvalidResourceType', `The resource type '${segments.slice(2).join('/')}' could not be found in the namespace 'Microsoft.Storage'.`);
}

// --- the blob front end ------------------------------------------------------------------------------------------

/** Azure Storage's XML error, with the code also in x-ms-error-code as the service sends it. */
function storageError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': requestId, ...headers },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`,
  };
}

export const BLOB_REFUSALS: Record<Exclude<BlobAccess, 'allowed'>, { code: string; message: string }> = {
  noRole: { code: 'AuthorizationPermissionMismatch', message: 'This request is not authorized to perform this operation using this permission.' },
  firewall: { code: 'AuthorizationFailure', message: 'This request is not authorized to perform this operation.' },
};

/** An injected status, in the blob service's shape (`body` may name the code: { code, message }). */
export function blobInjectedAnswer(status: number, injection: AppliedInjection): SimResponse {
  const given = injection.body as { code?: string; message?: string } | undefined;
  const code =
    given?.code ?? (status === 403 ? 'AuthorizationPermissionMismatch' : status === 503 ? 'ServerBusy' : status >= 500 ? 'InternalError' : 'InvalidInput');
  const message = given?.message ?? (status === 403 ? BLOB_REFUSALS.noRole.message : `Injected status ${status}.`);
  return storageError(status, code, message, injection.retryAfter !== undefined ? { 'retry-after': String(injection.retryAfter) } : {});
}

export interface BlobFrontEndOptions {
  /** Azurite's blob service for the development account: http://127.0.0.1:{port}/devstoreaccount1 */
  store: string;
  accountKey: string;
  /** Tells this simulator's containers apart from those of others sharing the Azurite. */
  namespace: string;
  tenantId: string;
  account(name: string): StorageBackendAccount | undefined;
  verifyToken(token: string): TokenCheck;
}

/** The blob front end: auth and refusals here, the listing from Azurite (lazily filled on a container's first call). */
export function createBlobFrontEnd(options: BlobFrontEndOptions) {
  const storeUrl = new URL(options.store);
  const storeAccount = storeUrl.pathname.split('/').filter(Boolean)[0] ?? 'devstoreaccount1';
  const credential = new StorageSharedKeyCredential(storeAccount, options.accountKey);
  const sas = generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() + 7 * 86_400_000),
      permissions: AccountSASPermissions.parse('rl'),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('b').toString(),
    },
    credential,
  ).toString();
  const filled = new Map<string, Promise<void>>();

  const storeName = (account: string, container: string) =>
    `sim${createHash('sha256').update(`${options.namespace}|${account}|${container}`).digest('hex').slice(0, 40)}`;

  /** Uploads a container's blobs to Azurite once (every simulator of the run fills its own). */
  const fill = (account: StorageAccountSpec, container: BlobContainerSpec): Promise<void> => {
    const name = storeName(account.name, container.name);
    let done = filled.get(name);
    if (!done) {
      done = (async () => {
        const client = new ContainerClient(`${options.store}/${name}`, credential);
        await client.createIfNotExists();
        const generated = container.generated
          ? Array.from({ length: container.generated.count }, (_, n) => ({ name: `${container.generated!.prefix}${n}`, size: container.generated!.size }))
          : [];
        const blobs = [...container.blobs, ...generated];
        let next = 0;
        const upload = async () => {
          while (next < blobs.length) {
            const blob = blobs[next++]!;
            await client.getBlockBlobClient(blob.name).uploadData(Buffer.alloc(blob.size));
          }
        };
        await Promise.all(Array.from({ length: Math.min(32, blobs.length) }, upload));
      })();
      done.catch(() => filled.delete(name)); // tried again on the next call
      filled.set(name, done);
    }
    return done;
  };

  const handle = async (req: SimRequest): Promise<SimResponse> => {
    const header = req.headers.authorization;
    const challenge = {
      'www-authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${options.tenantId}/oauth2/authorize resource_id=${STORAGE_AUDIENCE}`,
    };
    if (!header)
      return storageError(
        401,
        'NoAuthenticationInformation',
        'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
        challenge,
      );
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const check = bearer ? options.verifyToken(bearer[1]!) : { verdict: 'invalid' as const };
    if (check.verdict !== 'valid') {
      return storageError(
        401,
        'InvalidAuthenticationInfo',
        'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
        challenge,
      );
    }
    const [accountName, containerName, ...blobPath] = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const account = accountName ? options.account(accountName) : undefined;
    if (!account) return storageError(404, 'ResourceNotFound', 'The specified resource does not exist.');
    const access = account.spec.blobAccess ?? 'allowed';
    if (access !== 'allowed') return storageError(403, BLOB_REFUSALS[access].code, BLOB_REFUSALS[access].message);
    const container = account.spec.containers.find((c) => c.name === containerName);
    if (!container) return storageError(404, 'ContainerNotFound', 'The specified container does not exist.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return storageError(403, 'AuthorizationPermissionMismatch', BLOB_REFUSALS.noRole.message);
    await fill(account.spec, container);

    const target = new URL(
      `${options.store}/${storeName(account.spec.name, container.name)}${blobPath.length ? `/${blobPath.map(encodeURIComponent).join('/')}` : ''}`,
    );
    for (const [name, value] of req.url.searchParams) target.searchParams.append(name, value);
    for (const [name, value] of new URLSearchParams(sas)) target.searchParams.append(name, value);
    const response = await fetch(target, { method: req.method, headers: forwardedHeaders(req.headers) });
    let body = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-ms-request-id', 'x-ms-version', 'x-ms-client-request-id', 'x-ms-error-code', 'etag', 'last-modified', 'date']) {
      const value = response.headers.get(name);
      if (value) headers[name] = value;
    }
    if ((headers['content-type'] ?? '').includes('xml')) {
      // What the listing says of where it came from: the simulated account and container, not Azurite's.
      body = Buffer.from(
        body
          .toString('utf8')
          .replace(/ServiceEndpoint="[^"]*"/, `ServiceEndpoint="https://127.0.0.1:${req.socket.localPort}/${account.spec.name}/"`)
          .replace(/ContainerName="[^"]*"/, `ContainerName="${container.name}"`),
      );
    }
    return { status: response.status, headers, body };
  };

  return { handle, fill };
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (name === 'accept' || name === 'x-ms-version' || name === 'x-ms-client-request-id' || name === 'x-ms-date') forwarded[name] = value;
  }
  return forwarded;
}
