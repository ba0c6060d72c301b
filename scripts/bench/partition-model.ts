// The partition model's arithmetic: from the read and write units one operation of each kind
// spends on each key (the table and every index, counted on the wire) and how each key's
// values spread the load (lib/store/schema.ts), the payments per second the deployment
// sustains before any single partition key value takes more than DynamoDB's per-partition
// limits; and, by Little's law, the Lambda executions that rate keeps busy.
import type { Spread } from '../../lib/store/schema.js';

/** DynamoDB's throughput limit of one partition (per partition key value), per second. */
export const PARTITION_LIMITS = { write: 1_000, read: 3_000 } as const;

export type KeyUnits = Record<string, { read: number; write: number }>;

/** One operation's life, from its request to the step that settles it. */
export interface Lifecycle {
  units: KeyUnits;
  dynamodb_calls: number;
  /** Provider calls made inside the request (the first answer, then polls). */
  provider_calls_in_request: number;
  /** Provider calls of the steps after the answer (timer or reconcile). */
  provider_calls_in_background: number;
}

export interface MixEntry {
  name: string;
  share: number;
  lifecycle: Lifecycle;
}

export interface Assumptions {
  /** The busiest store's share of all payments: what a per-store or per-store-day key carries. */
  busiest_store_share: number;
  provider_latency_ms: number;
  /** One DynamoDB call, as a Lambda in the table's region waits for it. */
  dynamodb_latency_ms: number;
  /** How long an in-request poll sleeps before it queries (POLL_INTERVAL_MS). */
  poll_interval_ms: number;
}

/** The share of a key's load that its busiest single value takes. */
export function busiestShare(spread: Spread, assumptions: Pick<Assumptions, 'busiest_store_share'>): number {
  switch (spread.kind) {
    case 'constant':
      return 1;
    case 'shards':
      // A stable hash of order or terminal ids: even, up to noise that vanishes at these rates.
      return 1 / spread.count;
    case 'store':
    case 'store-day':
      return assumptions.busiest_store_share;
    case 'unique':
      // One order's or one terminal's items: a handful of units over its whole life.
      return 0;
  }
}

export interface KeyLimit {
  key: string;
  spread: Spread;
  /** Units per payment of the mix, on this key as a whole. */
  write_per_payment: number;
  read_per_payment: number;
  busiest_share: number;
  /** Payments per second at which its busiest value reaches a partition's limit (null: never). */
  max_payments_per_second: number | null;
  /** Which limit binds first. */
  bound_by: 'write' | 'read' | null;
}

export interface PartitionModel {
  keys: KeyLimit[];
  /** The lowest key limit (null when no key ever saturates). */
  sustained_payments_per_second: number | null;
  first_to_saturate: string | null;
}

export function perPayment(mix: readonly MixEntry[]): KeyUnits {
  const total: KeyUnits = {};
  for (const entry of mix) {
    for (const [key, units] of Object.entries(entry.lifecycle.units)) {
      const sum = (total[key] ??= { read: 0, write: 0 });
      sum.read += entry.share * units.read;
      sum.write += entry.share * units.write;
    }
  }
  return total;
}

/** Every key the mix touches and every key declared (an index no operation of the mix writes shows with 0 units). */
export function partitionModel(mix: readonly MixEntry[], spreads: Record<string, Spread>, assumptions: Pick<Assumptions, 'busiest_store_share'>): PartitionModel {
  const units = { ...Object.fromEntries(Object.keys(spreads).map((key) => [key, { read: 0, write: 0 }])), ...perPayment(mix) };
  const keys = Object.entries(units).map(([key, { read, write }]): KeyLimit => {
    const spread = spreads[key];
    if (spread === undefined) throw new Error(`the key ${key} has no declared spread (lib/store/schema.ts)`);
    const share = busiestShare(spread, assumptions);
    const byWrite = share * write > 0 ? PARTITION_LIMITS.write / (share * write) : Infinity;
    const byRead = share * read > 0 ? PARTITION_LIMITS.read / (share * read) : Infinity;
    const limit = Math.min(byWrite, byRead);
    return {
      key,
      spread,
      write_per_payment: write,
      read_per_payment: read,
      busiest_share: share,
      max_payments_per_second: Number.isFinite(limit) ? Math.floor(limit) : null,
      bound_by: Number.isFinite(limit) ? (byWrite <= byRead ? 'write' : 'read') : null,
    };
  });
  keys.sort((a, b) => (a.max_payments_per_second ?? Infinity) - (b.max_payments_per_second ?? Infinity));
  const first = keys[0];
  return { keys, sustained_payments_per_second: first?.max_payments_per_second ?? null, first_to_saturate: first?.max_payments_per_second != null ? first.key : null };
}

/** The shards a key's load needs at `paymentsPerSecond` so that none passes a partition's limits. */
export function shardsNeeded(key: Pick<KeyLimit, 'write_per_payment' | 'read_per_payment'>, paymentsPerSecond: number): number {
  return Math.max(1, Math.ceil(paymentsPerSecond * Math.max(key.write_per_payment / PARTITION_LIMITS.write, key.read_per_payment / PARTITION_LIMITS.read)));
}

/**
 * Seconds of Lambda execution one operation's life holds: each DynamoDB and provider call
 * at its assumed latency, plus the sleeps between the polls made inside the request.
 */
export function lambdaSeconds(lifecycle: Lifecycle, assumptions: Omit<Assumptions, 'busiest_store_share'>): number {
  const polls = Math.max(0, lifecycle.provider_calls_in_request - 1);
  const ms =
    lifecycle.dynamodb_calls * assumptions.dynamodb_latency_ms +
    (lifecycle.provider_calls_in_request + lifecycle.provider_calls_in_background) * assumptions.provider_latency_ms +
    polls * assumptions.poll_interval_ms;
  return ms / 1_000;
}

export interface Concurrency {
  /** Lambda-seconds per payment of the mix = concurrent executions per payment per second. */
  per_payment_per_second: number;
  per_1000_payments_per_second: number;
  at: { payments_per_second: number; concurrent: number };
}

/** Little's law: executions in flight = arrival rate × time each holds one. */
export function concurrency(mix: readonly MixEntry[], assumptions: Omit<Assumptions, 'busiest_store_share'>, paymentsPerSecond: number): Concurrency {
  const perPaymentSeconds = mix.reduce((sum, entry) => sum + entry.share * lambdaSeconds(entry.lifecycle, assumptions), 0);
  return {
    per_payment_per_second: perPaymentSeconds,
    per_1000_payments_per_second: Math.round(perPaymentSeconds * 1_000),
    at: { payments_per_second: paymentsPerSecond, concurrent: Math.round(perPaymentSeconds * paymentsPerSecond) },
  };
}
