// One table holds the ledger and the terminal registry. Its shape is declared once here
// and read by both the CDK stack and the local stack, so they can never drift apart.

export const KEY = { partition: 'pk', sort: 'sk' } as const;

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
  /**
   * Orders and refunds that still need work (sparse), spread over DUE_SHARDS shards by a
   * stable hash of the order id, oldest due first within a shard: the sweep's view of lost
   * wake-ups. Keys only: the sweep needs the item's key and due time; the worker re-reads it.
   */
  due: { name: 'due-shards', partition: 'due_shard', sort: 'due_at', sortType: 'N', projection: 'KEYS_ONLY' },
  /** Every terminal, in terminal_sn order, for the fleet check-in. */
  fleet: { name: 'fleet', partition: 'fleet', sort: 'terminal_sn', sortType: 'S', projection: 'ALL' },
  /** Orders by the store's business day, newest first: the history pages and the daily report. */
  storeDay: { name: 'store-day', partition: 'store_day', sort: 'created_at', sortType: 'S', projection: 'ALL' },
  /** Orders and refunds a person must look at (sparse), spread over a few shards, oldest first. */
  attention: { name: 'attention', partition: 'attention_shard', sort: 'attention_since', sortType: 'S', projection: 'ALL' },
} as const satisfies Record<string, IndexShape>;

/** Shards of the `due` index: no shard takes more than a 64th of the writes of open work. */
export const DUE_SHARDS = 64;

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
