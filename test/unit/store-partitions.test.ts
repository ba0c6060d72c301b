// The table's partition keys: every index declares how its key spreads the load, none is one
// key for everything, and the fleet shards and their cursor cover every terminal exactly once.
import { describe, expect, it } from 'vitest';
import { INDEX, INDEXES, TERMINAL_FIELDS } from '../../lib/store/schema.js';
import { ATTENTION_SHARDS } from '../../lib/store/records.js';
import { decodeFleetCursor, encodeFleetCursor, FLEET_PARTITIONS, fleetCursorAfter, fleetShardOf, isFleetCursor, LEGACY_FLEET } from '../../lib/store/fleet-partitions.js';

describe('partition keys', () => {
  it('no index has a constant partition key', () => {
    expect(INDEXES.filter((index) => index.spread.kind === 'constant').map((index) => index.name)).toEqual([]);
  });

  it('declares the shard counts the writers use', () => {
    expect(INDEX.attention.spread).toEqual({ kind: 'shards', count: ATTENTION_SHARDS });
    expect(FLEET_PARTITIONS.filter((partition) => partition !== LEGACY_FLEET)).toHaveLength(INDEX.fleet.spread.count);
  });

  it("keys the store's terminal listing by an attribute orders do not carry", () => {
    expect(INDEX.storeTerminals.partition).not.toBe('store_id');
    expect(INDEX.storeTerminals.include).toEqual(TERMINAL_FIELDS.filter((field) => field !== 'terminal_sn'));
    expect(INDEX.storeTerminals.include).not.toContain('lease_until');
  });
});

describe('fleet shards', () => {
  const sns = Array.from({ length: 4_000 }, (_, i) => `10000000${String(i).padStart(8, '0')}`);

  it('puts a terminal in the same shard every time, and every shard gets its share', () => {
    expect(fleetShardOf(sns[7] as string)).toBe(fleetShardOf(sns[7] as string));
    const counts = new Map<string, number>();
    for (const sn of sns) counts.set(fleetShardOf(sn), (counts.get(fleetShardOf(sn)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(FLEET_PARTITIONS.filter((partition) => partition !== LEGACY_FLEET).sort());
    const even = sns.length / INDEX.fleet.spread.count;
    for (const count of counts.values()) expect(Math.abs(count - even)).toBeLessThan(even * 0.2);
  });

  it('walks the legacy partition last', () => {
    expect(FLEET_PARTITIONS.at(-1)).toBe(LEGACY_FLEET);
  });
});

describe('fleet cursor', () => {
  it('round-trips a position', () => {
    expect(decodeFleetCursor(encodeFleetCursor({ partition: 3, after: '100042' }))).toEqual({ partition: 3, after: '100042' });
    expect(decodeFleetCursor(encodeFleetCursor({ partition: 0 }))).toEqual({ partition: 0 });
  });

  it('names the partition a terminal was read from', () => {
    expect(decodeFleetCursor(fleetCursorAfter('100042', false))).toEqual({ partition: FLEET_PARTITIONS.indexOf(fleetShardOf('100042')), after: '100042' });
    expect(decodeFleetCursor(fleetCursorAfter('100042', true))).toEqual({ partition: FLEET_PARTITIONS.length - 1, after: '100042' });
  });

  it('starts over from a cursor of the version before the shards (a bare terminal_sn) or from garbage', () => {
    for (const cursor of ['', '100042', 'f1.', 'f1.!!', `f1.${Buffer.from('[99]').toString('base64url')}`, `f1.${Buffer.from('[1,""]').toString('base64url')}`, `f1.${Buffer.from('{"partition":1}').toString('base64url')}`]) {
      expect(decodeFleetCursor(cursor)).toBeUndefined();
      expect(isFleetCursor(cursor)).toBe(false);
    }
    expect(isFleetCursor(encodeFleetCursor({ partition: FLEET_PARTITIONS.length - 1, after: 'x' }))).toBe(true);
  });
});
