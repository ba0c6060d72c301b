// The fleet index's partitions: every terminal is in one of a few shards, picked by a stable
// hash of its terminal_sn, so no single partition key takes every terminal's writes. A walk
// of the fleet goes shard by shard; its position is an opaque cursor that names the
// partition and the last terminal_sn read in it.
import { createHash } from 'node:crypto';
import { INDEX } from './schema.js';

/** The one value every terminal had before the shards; drained by the fleet run (`shardLegacyTerminal`). */
export const LEGACY_FLEET = 'terminal';

const SHARDS = INDEX.fleet.spread.count;

export function fleetShardOf(terminalSn: string): string {
  return `terminal#${createHash('sha256').update(terminalSn).digest().readUInt32BE(0) % SHARDS}`;
}

/**
 * The partitions a walk visits, in order. The legacy one comes last: a terminal moved out of
 * it lands in a shard already walked, so one run never meets a terminal twice.
 */
export const FLEET_PARTITIONS: readonly string[] = [...Array.from({ length: SHARDS }, (_, shard) => `terminal#${shard}`), LEGACY_FLEET];

/** Where a walk stands: the partition (an index into FLEET_PARTITIONS) and the last terminal_sn read in it. */
export interface FleetPosition {
  partition: number;
  after?: string;
}

const PREFIX = 'f1.';

export function encodeFleetCursor(position: FleetPosition): string {
  return PREFIX + Buffer.from(JSON.stringify(position.after === undefined ? [position.partition] : [position.partition, position.after]), 'utf8').toString('base64url');
}

/**
 * The position in a cursor, or undefined if it is not one of ours — e.g. a bare terminal_sn
 * handed on by a run of the version before the shards. The fleet run then starts over, which
 * is safe: terminals it checked in recently are skipped.
 */
export function decodeFleetCursor(cursor: string | undefined): FleetPosition | undefined {
  if (cursor === undefined || !cursor.startsWith(PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 1 || parsed.length > 2) return undefined;
  const [partition, after] = parsed as unknown[];
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= FLEET_PARTITIONS.length) return undefined;
  if (parsed.length === 1) return { partition };
  return typeof after === 'string' && after.length > 0 && after.length <= 256 ? { partition, after } : undefined;
}

/** The cursor of a walk that has just read `terminalSn` (from the legacy partition, or from its shard). */
export function fleetCursorAfter(terminalSn: string, legacy: boolean): string {
  return encodeFleetCursor({ partition: legacy ? FLEET_PARTITIONS.length - 1 : FLEET_PARTITIONS.indexOf(fleetShardOf(terminalSn)), after: terminalSn });
}

export const isFleetCursor = (value: unknown): value is string => typeof value === 'string' && decodeFleetCursor(value) !== undefined;
