// The demo fleet's storage accounts (and, below, its registries): what the storage card of `npm start` shows. Blob
// sizes are small (kilobytes, kept in Azurite's memory); what matters is their names, counts and the databases'
// metadata files: in blast-db four databases are ready of nine, one is still being copied, others lack metadata.
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
