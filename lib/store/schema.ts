// One table holds the ledger and the terminal registry. Its shape is declared once here
// and read by both the CDK stack and the local stack, so they can never drift apart.

/**
 * How the values of a partition key spread traffic, so the partition model (npm run bench)
 * can tell the busiest single key's share of the load: `unique` (one order's or one
 * terminal's items), `store` / `store-day` (one store's items, or its day's), `shards` (a
 * stable hash over `count` values), `constant` (one value for everything: one hot key).
 */
export type Spread = { kind: 'unique' } | { kind: 'store' } | { kind: 'store-day' } | { kind: 'shards'; count: number } | { kind: 'constant' };

/** Every item family's partition is one order (with its refunds), one terminal or one activation claim. */
export const KEY = { partition: 'pk', sort: 'sk', spread: { kind: 'unique' } } as const satisfies { partition: string; sort: string; spread: Spread };

/** Every item of the store-day totals (lib/store/totals.ts) has a partition key with this prefix: its writer may write no other. */
export const TOTALS_KEY_PREFIX = 'TOTALS#';

/** Time-to-live attribute (epoch seconds): only ephemeral items set it (leases, claims). */
export const TTL_ATTRIBUTE = 'expires_at';

export interface IndexShape {
  name: string;
  partition: string;
  sort?: string;
  sortType?: 'S' | 'N';
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** With INCLUDE: the attributes projected beside the keys. */
  include?: readonly string[];
  spread: Spread;
}

/** A terminal as the registry returns it (lib/store/terminal-registry.ts): what a terminal index projects. */
export const TERMINAL_FIELDS = ['terminal_sn', 'store_id', 'device_id', 'name', 'status', 'activated_at', 'checked_in_at', 'key_stored_at', 'last_error', 'checkin_in_flight', 'retired_at', 'key_deletion_at'] as const;

/** Shards of the `due` index: no shard takes more than a 64th of the writes of open work. */
export const DUE_SHARDS = 64;

export const INDEX = {
  /** Orders by the provider's order number (sparse: only orders the provider numbered). */
  bySn: { name: 'by-sn', partition: 'sn', projection: 'KEYS_ONLY', spread: { kind: 'unique' } },
  /**
   * Orders and refunds that still need work (sparse), spread over DUE_SHARDS shards by a
   * stable hash of the order id, oldest due first within a shard: the sweep's view of lost
   * wake-ups. Keys only: the sweep needs the item's key and due time; the worker re-reads it.
   */
  due: { name: 'due-shards', partition: 'due_shard', sort: 'due_at', sortType: 'N', projection: 'KEYS_ONLY', spread: { kind: 'shards', count: DUE_SHARDS } },
  /**
   * Every terminal, spread over shards by its terminal_sn (terminals registered before the
   * shards share the legacy value `terminal` until the fleet run moves them), in terminal_sn
   * order within a shard: the fleet check-in and the ops listing. Projects everything: both
   * readers need every terminal field, and changing a projection replaces the index.
   */
  fleet: { name: 'fleet', partition: 'fleet', sort: 'terminal_sn', sortType: 'S', projection: 'ALL', spread: { kind: 'shards', count: 8 } },
  /**
   * A store's terminals (sparse: only terminal items carry `terminal_store`), in terminal_sn
   * order: an admin's listing. Projects the terminal's fields and not the check-in lease, so
   * taking and freeing a lease leaves the index alone.
   */
  storeTerminals: {
    name: 'store-terminals',
    partition: 'terminal_store',
    sort: 'terminal_sn',
    sortType: 'S',
    projection: 'INCLUDE',
    include: TERMINAL_FIELDS.filter((field) => field !== 'terminal_sn'),
    spread: { kind: 'store' },
  },
  /** Orders by the store's business day, newest first: the history pages and the daily report. */
  storeDay: { name: 'store-day', partition: 'store_day', sort: 'created_at', sortType: 'S', projection: 'ALL', spread: { kind: 'store-day' } },
  /** Orders and refunds a person must look at (sparse), spread over a few shards, oldest first. */
  attention: { name: 'attention', partition: 'attention_shard', sort: 'attention_since', sortType: 'S', projection: 'ALL', spread: { kind: 'shards', count: 8 } },
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
