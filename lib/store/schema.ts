// One table holds the ledger and the terminal registry. Its shape is declared once here
// and read by both the CDK stack and the local stack, so they can never drift apart.

export const KEY = { partition: 'pk', sort: 'sk' } as const;

/** Every item of the store-day totals (lib/store/totals.ts) has a partition key with this prefix: its writer may write no other. */
export const TOTALS_KEY_PREFIX = 'TOTALS#';

/** Time-to-live attribute (epoch seconds): only ephemeral items set it (leases, claims). */
export const TTL_ATTRIBUTE = 'expires_at';

export interface IndexShape {
  name: string;
  partition: string;
  sort?: string;
  sortType?: 'S' | 'N';
  projection: 'ALL' | 'KEYS_ONLY';
}

export const INDEX = {
  /** Orders by the provider's order number (sparse: only orders the provider numbered). */
  bySn: { name: 'by-sn', partition: 'sn', projection: 'KEYS_ONLY' },
  /** Orders and refunds that still need work, oldest due first (sparse). */
  due: { name: 'due', partition: 'due_shard', sort: 'due_at', sortType: 'N', projection: 'ALL' },
  /** Every terminal, in terminal_sn order, for the fleet check-in. */
  fleet: { name: 'fleet', partition: 'fleet', sort: 'terminal_sn', sortType: 'S', projection: 'ALL' },
  /** Orders by the store's business day, newest first: the history pages and the daily report. */
  storeDay: { name: 'store-day', partition: 'store_day', sort: 'created_at', sortType: 'S', projection: 'ALL' },
  /** Orders and refunds a person must look at (sparse), spread over a few shards, oldest first. */
  attention: { name: 'attention', partition: 'attention_shard', sort: 'attention_since', sortType: 'S', projection: 'ALL' },
} as const satisfies Record<string, IndexShape>;

export const INDEXES: readonly IndexShape[] = Object.values(INDEX);

/** Every attribute that is a key of the table or of an index, with its DynamoDB type. */
export function keyAttributes(): Record<string, 'S' | 'N'> {
  const attributes: Record<string, 'S' | 'N'> = { [KEY.partition]: 'S', [KEY.sort]: 'S' };
  for (const index of INDEXES) {
    attributes[index.partition] = 'S';
    if (index.sort) attributes[index.sort] = index.sortType ?? 'S';
  }
  return attributes;
}
