// The price table shipped with the app: Linux pay-as-you-go list prices (USD per hour) of the VM sizes AKS node
// pools commonly use, in a few common regions, as best known for the month PRICES_AS_OF. An estimate only: the
// retail client (retailPrices.ts) replaces an entry with Azure's own answer at most once a day, and a size or region
// missing here is unpriced, never guessed. Reserved instances, savings plans, Spot, discounts and disks are not in it.

/** The month these list prices were taken from. */
export const PRICES_AS_OF = '2026-11';
export const PRICES_CURRENCY = 'USD';

/** The regions of the columns below (ARM's armRegionName). */
const REGIONS = ['eastus', 'eastus2', 'westus2', 'westeurope', 'northeurope'] as const;

// prettier-ignore
const ROWS: ReadonlyArray<readonly [sku: string, ...perRegion: number[]]> = [
  ['Standard_D2s_v3', 0.096, 0.096, 0.096, 0.111, 0.104],
  ['Standard_D4s_v3', 0.192, 0.192, 0.192, 0.222, 0.208],
  ['Standard_D8s_v3', 0.384, 0.384, 0.384, 0.444, 0.416],
  ['Standard_D16s_v3', 0.768, 0.768, 0.768, 0.888, 0.832],
  ['Standard_D32s_v3', 1.536, 1.536, 1.536, 1.776, 1.664],
  ['Standard_D64s_v3', 3.072, 3.072, 3.072, 3.552, 3.328],
  ['Standard_D2s_v5', 0.096, 0.096, 0.096, 0.115, 0.107],
  ['Standard_D4s_v5', 0.192, 0.192, 0.192, 0.23, 0.214],
  ['Standard_D8s_v5', 0.384, 0.384, 0.384, 0.46, 0.428],
  ['Standard_D16s_v5', 0.768, 0.768, 0.768, 0.92, 0.856],
  ['Standard_D32s_v5', 1.536, 1.536, 1.536, 1.84, 1.712],
  ['Standard_D64s_v5', 3.072, 3.072, 3.072, 3.68, 3.424],
  ['Standard_D2ds_v5', 0.113, 0.113, 0.113, 0.133, 0.124],
  ['Standard_D4ds_v5', 0.226, 0.226, 0.226, 0.266, 0.248],
  ['Standard_D8ds_v5', 0.452, 0.452, 0.452, 0.532, 0.496],
  ['Standard_D16ds_v5', 0.904, 0.904, 0.904, 1.064, 0.992],
  ['Standard_D32ds_v5', 1.808, 1.808, 1.808, 2.128, 1.984],
  ['Standard_D2as_v5', 0.086, 0.086, 0.086, 0.099, 0.093],
  ['Standard_D4as_v5', 0.172, 0.172, 0.172, 0.198, 0.186],
  ['Standard_D8as_v5', 0.344, 0.344, 0.344, 0.396, 0.372],
  ['Standard_D16as_v5', 0.688, 0.688, 0.688, 0.792, 0.744],
  ['Standard_D32as_v5', 1.376, 1.376, 1.376, 1.584, 1.488],
  ['Standard_E2s_v3', 0.126, 0.126, 0.126, 0.148, 0.139],
  ['Standard_E4s_v3', 0.252, 0.252, 0.252, 0.296, 0.278],
  ['Standard_E8s_v3', 0.504, 0.504, 0.504, 0.592, 0.556],
  ['Standard_E16s_v3', 1.008, 1.008, 1.008, 1.184, 1.112],
  ['Standard_E32s_v3', 2.016, 2.016, 2.016, 2.368, 2.224],
  ['Standard_E2s_v5', 0.126, 0.126, 0.126, 0.152, 0.143],
  ['Standard_E4s_v5', 0.252, 0.252, 0.252, 0.304, 0.286],
  ['Standard_E8s_v5', 0.504, 0.504, 0.504, 0.608, 0.572],
  ['Standard_E16s_v5', 1.008, 1.008, 1.008, 1.216, 1.144],
  ['Standard_E32s_v5', 2.016, 2.016, 2.016, 2.432, 2.288],
  ['Standard_E64s_v5', 4.032, 4.032, 4.032, 4.864, 4.576],
  ['Standard_F2s_v2', 0.0846, 0.0846, 0.0846, 0.096, 0.091],
  ['Standard_F4s_v2', 0.169, 0.169, 0.169, 0.192, 0.182],
  ['Standard_F8s_v2', 0.338, 0.338, 0.338, 0.384, 0.364],
  ['Standard_F16s_v2', 0.677, 0.677, 0.677, 0.768, 0.728],
  ['Standard_F32s_v2', 1.353, 1.353, 1.353, 1.536, 1.456],
  ['Standard_F64s_v2', 2.706, 2.706, 2.706, 3.072, 2.912],
  ['Standard_E64s_v3', 3.629, 3.629, 3.629, 4.264, 4.004],
  ['Standard_B2s', 0.0416, 0.0416, 0.0416, 0.0464, 0.044],
  ['Standard_B2ms', 0.0832, 0.0832, 0.0832, 0.0928, 0.088],
  ['Standard_B4ms', 0.166, 0.166, 0.166, 0.185, 0.176],
  ['Standard_B8ms', 0.333, 0.333, 0.333, 0.371, 0.352],
];

/** region (lower case) → size (lower case) → USD per hour. */
const TABLE: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map(
  REGIONS.map((region, column) => [region, new Map(ROWS.map(([sku, ...prices]) => [sku.toLowerCase(), prices[column]!]))]),
);

/** The shipped hourly price of a size in a region, or undefined when the table does not have it. */
export function shippedHourlyPrice(region: string, vmSize: string): number | undefined {
  return TABLE.get(region.toLowerCase())?.get(vmSize.toLowerCase());
}
