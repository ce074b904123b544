// GET /api/monitor/acr: the scope's container registries, their repositories and whether each expected image is
// built. The dashboard's shapes and their parser, reading exactly what the server sends (shared/wire/registry.ts).
import type {
  ExpectedImage as WireExpectedImage,
  ExpectedImageState,
  RegistryOverview,
  RegistrySummary,
  RegistryTag,
  RepositorySummary,
} from '../../../shared/wire/index.js';
import { bool, isObject, listOf, num, str, toEpochMs } from './json.js';
import { normalizeDegraded, type DegradedSource } from './monitorData.js';

export type { ExpectedImageState } from '../../../shared/wire/index.js';

export interface Repository {
  name: string;
  tagCount: number;
  /** Newest first. */
  tags: { name: string; digest?: string; updatedAt?: number }[];
}

export interface ExpectedImage {
  /** "repo:tag". */
  image: string;
  state: ExpectedImageState | 'unknown';
  updatedAt?: number;
  digest?: string;
  run?: { id: string; status?: string; startedAt?: number };
}

export interface Registry {
  name: string;
  location?: string;
  loginServer?: string;
  sku?: string;
  adminUserEnabled?: boolean;
  publicNetworkAccess?: string;
  repositories: Repository[];
  expectedImages: ExpectedImage[];
  /** "Images built 3/4". */
  built: { built: number; expected: number };
  degraded: DegradedSource[];
}

export interface RegistryView {
  registries: Registry[];
}

const IMAGE_STATES: readonly ExpectedImageState[] = ['built', 'missing', 'building'];

function normalizeTag(v: unknown): Repository['tags'][number] | undefined {
  if (!isObject<RegistryTag>(v)) return undefined;
  const name = str(v.name);
  return name ? { name, digest: str(v.digest), updatedAt: toEpochMs(v.updatedAt) } : undefined;
}

function normalizeRepository(v: unknown): Repository | undefined {
  if (!isObject<RepositorySummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const tags = listOf(v.tags, normalizeTag);
  return { name, tags, tagCount: num(v.tagCount) ?? tags.length };
}

function normalizeExpectedImage(v: unknown): ExpectedImage | undefined {
  if (!isObject<WireExpectedImage>(v)) return undefined;
  const image = str(v.image);
  if (!image) return undefined;
  const run = isObject<NonNullable<WireExpectedImage['run']>>(v.run) ? v.run : undefined;
  const runId = str(run?.id);
  return {
    image,
    state: IMAGE_STATES.find((s) => s === v.state) ?? 'unknown',
    updatedAt: toEpochMs(v.updatedAt),
    digest: str(v.digest),
    run: run && runId ? { id: runId, status: str(run.status), startedAt: toEpochMs(run.startedAt) } : undefined,
  };
}

function normalizeRegistry(v: unknown): Registry | undefined {
  if (!isObject<RegistrySummary>(v)) return undefined;
  const name = str(v.name);
  if (!name) return undefined;
  const expectedImages = listOf(v.expectedImages, normalizeExpectedImage);
  const built = isObject<RegistrySummary['built']>(v.built) ? v.built : {};
  return {
    name,
    location: str(v.location),
    loginServer: str(v.loginServer),
    sku: str(v.sku),
    adminUserEnabled: bool(v.adminUserEnabled),
    publicNetworkAccess: str(v.publicNetworkAccess),
    repositories: listOf(v.repositories, normalizeRepository),
    expectedImages,
    // the server's count; the images' own when it sent none
    built: {
      built: num(built.built) ?? expectedImages.filter((i) => i.state === 'built').length,
      expected: num(built.expected) ?? expectedImages.length,
    },
    degraded: normalizeDegraded(v.degraded),
  };
}

export function normalizeRegistries(v: unknown): RegistryView {
  const o = isObject<RegistryOverview>(v) ? v : {};
  return { registries: listOf(o.registries, normalizeRegistry) };
}
