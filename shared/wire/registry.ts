// GET /api/monitor/acr: a scope's container registries, their repositories and the expected images.
import type { Degraded } from './monitor.js';

export interface RegistryTag {
  name: string;
  digest: string | null;
  updatedAt: string | null;
}

export interface RepositorySummary {
  name: string;
  /** Newest first, at most REGISTRY_TAGS_PER_REPOSITORY. */
  tags: RegistryTag[];
  tagCount: number;
}

export type ExpectedImageState = 'built' | 'missing' | 'building';

export interface ExpectedImage {
  /** "repo:tag" as configured in EXPECTED_IMAGES. */
  image: string;
  state: ExpectedImageState;
  /** When built: the tag's time and digest. */
  updatedAt?: string | null;
  digest?: string | null;
  /** When building: the ACR run's id and status. */
  run?: { id: string; status: string; startedAt: string | null };
}

export interface RegistrySummary {
  name: string;
  location: string;
  loginServer: string;
  sku: string;
  adminUserEnabled: boolean;
  publicNetworkAccess: string;
  repositories: RepositorySummary[];
  expectedImages: ExpectedImage[];
  /** "Images built 4/4". */
  built: { built: number; expected: number };
  degraded: Degraded[];
}

export interface RegistryOverview {
  registries: RegistrySummary[];
}
