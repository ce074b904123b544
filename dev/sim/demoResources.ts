// The demo fleet's storage accounts and registries: what the storage and registry cards of `npm start` show. Blob
// sizes are small (kilobytes, kept in Azurite's memory); what matters is their names, counts and the databases'
// metadata files: in blast-db four databases are ready of nine, one is still being copied, others lack metadata.
import type { RegistrySpec } from './registry.js';
import type { BlobSpec, StorageAccountSpec } from './storage.js';

/** A database's shards (`{db}.NN.tar.gz`), plus its metadata file when it is ready. */
function database(name: string, shards: number, options: { ready: boolean; molecule?: 'nucl' | 'prot' }): BlobSpec[] {
  const files = Array.from({ length: shards }, (_, i) => ({ name: `${name}/${name}.${String(i).padStart(2, '0')}.tar.gz`, size: 4096 + ((i * 733) % 2048) }));
  return options.ready ? [...files, { name: `${name}/${name}-${options.molecule ?? 'nucl'}-metadata.json`, size: 612 }] : files;
}

/** The workload resource group's accounts: the BLAST data (public network access on: the card warns) and a private one. */
export function demoStorageAccounts(resourceGroup: string): StorageAccountSpec[] {
  const compact = resourceGroup
    .replace(/^rg-/, '')
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 14);
  if (resourceGroup.endsWith('-blue')) {
    return [
      {
        name: `${compact}data`,
        publicNetworkAccess: 'Disabled',
        containers: [{ name: 'blast-db', blobs: database('core_nt', 24, { ready: true }) }],
      },
    ];
  }
  return [
    {
      name: `${compact}data`,
      sku: 'Standard_LRS',
      kind: 'StorageV2',
      hierarchicalNamespace: true,
      publicNetworkAccess: 'Enabled',
      containers: [
        {
          name: 'blast-db',
          blobs: [
            ...database('core_nt', 80, { ready: true }),
            ...database('refseq_protein', 30, { ready: true, molecule: 'prot' }),
            ...database('16S_ribosomal_RNA', 4, { ready: true }),
            ...database('pdbaa', 6, { ready: true, molecule: 'prot' }),
            // Being copied: some shards there, the metadata file comes last.
            ...database('nr', 25, { ready: false }),
            ...database('swissprot', 5, { ready: false }),
            ...database('env_nt', 12, { ready: false }),
            ...database('refseq_rna', 10, { ready: false }),
            ...database('taxdb', 2, { ready: false }),
          ],
        },
        {
          name: 'queries',
          blobs: Array.from({ length: 24 }, (_, i) => ({ name: `batch-${String(i + 1).padStart(4, '0')}/query.fa`, size: 1500 + i * 40 })),
        },
        {
          name: 'results',
          blobs: Array.from({ length: 72 }, (_, i) => ({ name: `batch-${String((i % 24) + 1).padStart(4, '0')}/results.${i}.out.gz`, size: 2200 + i * 15 })),
        },
      ],
    },
    {
      name: `${compact}state`,
      sku: 'Standard_ZRS',
      publicNetworkAccess: 'Disabled',
      containers: [{ name: 'tfstate', blobs: [{ name: 'elb.tfstate', size: 18_000 }] }],
    },
  ];
}

const minutesAgo = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

/**
 * The workload resource group's registry. Of the default EXPECTED_IMAGES three are built and the janitor is being
 * built (a Running ACR run pushes it); older tags and a repository nobody expects sit beside them.
 */
export function demoRegistries(resourceGroup: string, now: Date = new Date()): RegistrySpec[] {
  const compact = resourceGroup
    .replace(/^rg-/, '')
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 40);
  const at = (minutes: number) => minutesAgo(now, minutes);
  const blue = resourceGroup.endsWith('-blue');
  return [
    {
      name: `${compact}acr`,
      sku: blue ? 'Basic' : 'Standard',
      repositories: [
        {
          name: 'ncbi/elb',
          tags: [
            { name: '1.4.0', updatedAt: at(3 * 1440) },
            { name: '1.3.1', updatedAt: at(40 * 1440) },
          ],
        },
        {
          name: 'ncbi/elasticblast-job-submit',
          tags: [
            { name: '4.1.0', updatedAt: at(3 * 1440 + 20) },
            { name: '4.0.0', updatedAt: at(41 * 1440) },
          ],
        },
        { name: 'ncbi/elasticblast-query-split', tags: [{ name: '0.1.4', updatedAt: at(3 * 1440 + 25) }] },
        ...(blue ? [{ name: 'ncbi/elasticblast-janitor', tags: [{ name: '0.4.0', updatedAt: at(2 * 1440) }] }] : []),
        { name: 'tools/blast-utils', tags: [{ name: 'latest', updatedAt: at(600) }] },
      ],
      runs: blue
        ? []
        : [
            { runId: 'ca1', status: 'Succeeded', startedAt: at(3 * 1440 + 30), outputImages: ['ncbi/elb:1.4.0'] },
            { runId: 'ca2', status: 'Running', startedAt: at(4), outputImages: ['ncbi/elasticblast-janitor:0.4.0'] },
          ],
    },
  ];
}
