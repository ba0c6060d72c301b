// The terminal registry: what we know about each Upay terminal, never its key (invariant 5).
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { INDEX, TERMINAL_FIELDS, TTL_ATTRIBUTE } from './schema.js';
import { isConditionFailure } from './errors.js';
import { decodeFleetCursor, encodeFleetCursor, FLEET_PARTITIONS, fleetShardOf, LEGACY_FLEET } from './fleet-partitions.js';

/**
 * `retired`: an admin retired it (no more check-ins or payments). `activating`: the provider issued the terminal, its key is being stored (a trace left before
 * the key write). `active`, `checkin_unconfirmed`, `parked`: see lib/terminals/key-risk.ts.
 */
export type TerminalStatus = 'activating' | 'active' | 'checkin_unconfirmed' | 'parked' | 'retired';

/** A check-in that has called (or is about to call) the provider and not yet recorded how it ended. */
export interface CheckinInFlight {
  started_at: string;
  /** When the signing key was stored (`KeyStore.currentStored`): names it without revealing it. */
  signed_with_key_stored_at: string;
}

export interface TerminalError {
  code: string;
  message: string;
  at: string;
}

export interface Terminal {
  terminal_sn: string;
  store_id: string;
  device_id: string;
  name?: string;
  status: TerminalStatus;
  activated_at: string;
  checked_in_at?: string;
  /** When the key in the key store was last written (activation or check-in). */
  key_stored_at: string;
  last_error?: TerminalError;
  checkin_in_flight?: CheckinInFlight;
  /** When an admin retired it: no more check-ins or payments, its key scheduled for deletion. */
  retired_at?: string;
  /** When Secrets Manager deletes a retired terminal's key (scheduled once refunds are over). */
  key_deletion_at?: string;
}

export type ActivationClaim =
  | { kind: 'claimed' }
  | { kind: 'activated'; terminal_sn: string }
  | { kind: 'busy' }
  /** An earlier attempt claimed the device and never finished: the provider may have activated it. */
  | { kind: 'interrupted'; since: number };

/** How a check-in ends, written under its lease. */
export interface CheckinFinish {
  status: TerminalStatus;
  checked_in_at?: string;
  key_stored_at?: string;
  last_error?: TerminalError;
  /** False when the outcome of the in-flight call is not settled: the next run must judge it. */
  clear_in_flight: boolean;
}

export type LeaseResult =
  | { kind: 'leased'; terminal: Terminal }
  | { kind: 'busy' }
  | { kind: 'parked'; terminal: Terminal }
  /** Never checked in again, even when forced: its key is scheduled for deletion. */
  | { kind: 'retired' }
  | { kind: 'not_found' };

export interface FleetPage {
  terminals: Terminal[];
  /** Opaque: where the next page starts; absent after the last one. */
  cursor?: string;
  /** Terminals of this page registered before the fleet was sharded (see `shardLegacyTerminal`). */
  legacy?: string[];
}

export const terminalKey = (terminalSn: string) => ({ pk: `TERMINAL#${terminalSn}`, sk: 'TERMINAL' });
// Encoded, so no store and device pair can spell another pair's key ("a#b" + "c" vs "a" + "b#c").
const claimKey = (storeId: string, deviceId: string) => ({ pk: `ACTIVATION#${encodeURIComponent(storeId)}#${encodeURIComponent(deviceId)}`, sk: 'CLAIM' });

/** The attributes that put a terminal item in the fleet shards and in its store's listing. */
const indexAttributes = (terminal: Pick<Terminal, 'terminal_sn' | 'store_id'>) => ({ [INDEX.fleet.partition]: fleetShardOf(terminal.terminal_sn), [INDEX.storeTerminals.partition]: terminal.store_id });

export function toTerminal(item: Record<string, unknown>): Terminal {
  const terminal: Record<string, unknown> = {};
  for (const field of TERMINAL_FIELDS) if (item[field] !== undefined) terminal[field] = item[field];
  return terminal as unknown as Terminal;
}

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export class TerminalRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(terminalSn: string): Promise<Terminal | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: terminalKey(terminalSn), ConsistentRead: true }));
    return Item ? toTerminal(Item) : undefined;
  }

  /**
   * Claims the right to activate a terminal for (store, device), so that a retried
   * activation finds the terminal it made instead of burning another activation code. The
   * claim is written right before the provider call and kept (no TTL) until it is released
   * (nothing was activated) or names its terminal: a claim whose lease ran out unreleased is
   * the trace of an attempt that died after it may have activated, and is never taken over.
   */
  async claimActivation(storeId: string, deviceId: string, nowMs: number, leaseMs: number): Promise<ActivationClaim> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...claimKey(storeId, deviceId), store_id: storeId, device_id: deviceId, lease_until: nowMs + leaseMs, claimed_at: nowMs },
          ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(terminal_sn) AND lease_until = :released)',
          ExpressionAttributeValues: { ':released': 0 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = error.Item as Record<string, { S?: string; N?: string }> | undefined;
      const terminalSn = existing?.terminal_sn?.S;
      if (terminalSn) return { kind: 'activated', terminal_sn: terminalSn };
      const leaseUntil = Number(existing?.lease_until?.N ?? 0);
      return leaseUntil >= nowMs ? { kind: 'busy' } : { kind: 'interrupted', since: Number(existing?.claimed_at?.N ?? leaseUntil) };
    }
  }

  /** Frees a claim whose attempt certainly activated nothing; released claims expire. */
  async releaseActivation(storeId: string, deviceId: string, nowMs: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: claimKey(storeId, deviceId),
        UpdateExpression: 'SET lease_until = :zero, #ttl = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(terminal_sn)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':zero': 0, ':ttl': epochSeconds(nowMs) + 86_400 },
      }),
    ).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /** Ends an activation whose key is stored: `activating` becomes `active`. False if it was not `activating`. */
  async completeActivation(terminalSn: string, keyStoredAt: string): Promise<boolean> {
    return this.updateIfActivating(terminalSn, 'SET #status = :active, key_stored_at = :at', { ':active': 'active', ':at': keyStoredAt });
  }

  /** An `activating` terminal whose key was never stored: parked with the reason, for a person. */
  async markActivationKeyLost(terminalSn: string, lastError: TerminalError): Promise<boolean> {
    return this.updateIfActivating(terminalSn, 'SET #status = :parked, last_error = :error', { ':parked': 'parked', ':error': lastError });
  }

  private updateIfActivating(terminalSn: string, update: string, values: Record<string, unknown>): Promise<boolean> {
    return this.updateIf(terminalSn, update, '#status = :activating', { ...values, ':activating': 'activating' });
  }

  /** Registers the new terminal and closes its activation claim, atomically. */
  async register(terminal: Terminal): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        ClientRequestToken: createHash('sha256').update(`register#${terminal.terminal_sn}`).digest('hex').slice(0, 36),
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...terminalKey(terminal.terminal_sn), ...indexAttributes(terminal), ...terminal },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: claimKey(terminal.store_id, terminal.device_id),
              UpdateExpression: 'SET terminal_sn = :sn REMOVE lease_until, #ttl',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':sn': terminal.terminal_sn },
            },
          },
        ],
      }),
    );
  }

  /**
   * At most one check-in per terminal at a time (invariant 4). A parked terminal is leased
   * only when an admin forces it, or to judge a check-in left in flight on it.
   */
  async acquireCheckinLease(terminalSn: string, owner: string, nowMs: number, leaseMs: number, force = false): Promise<LeaseResult> {
    const parkedClause = force ? '' : ' AND (#status <> :parked OR attribute_exists(checkin_in_flight))';
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: terminalKey(terminalSn),
          UpdateExpression: 'SET lease_owner = :owner, lease_until = :until',
          // Retired is checked here, not only by callers: a retirement after they read the status must still stop the check-in.
          ConditionExpression: `attribute_exists(pk) AND #status <> :retired${parkedClause} AND (attribute_not_exists(lease_until) OR lease_until < :now)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':until': nowMs + leaseMs, ':now': nowMs, ':retired': 'retired', ...(force ? {} : { ':parked': 'parked' }) },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'leased', terminal: toTerminal(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const old = error.Item as Record<string, { S?: string }> | undefined;
      if (!old) return { kind: 'not_found' };
      if (old.status?.S === 'retired') return { kind: 'retired' };
      if (!force && old.status?.S === 'parked' && old.checkin_in_flight === undefined) {
        const terminal = await this.get(terminalSn);
        return terminal ? { kind: 'parked', terminal } : { kind: 'not_found' };
      }
      return { kind: 'busy' };
    }
  }

  /**
   * Records, under the caller's lease and before the provider is called, that a check-in is
   * in flight and which key signs it, together with the status the caller judged the terminal
   * to be in (after counting an earlier interrupted check-in). False if the lease was lost.
   */
  async markCheckinInFlight(terminalSn: string, owner: string, state: { status: TerminalStatus; checked_in_at?: string; key_stored_at?: string; in_flight: CheckinInFlight }): Promise<boolean> {
    const sets = ['#status = :status', 'checkin_in_flight = :in_flight'];
    const values: Record<string, unknown> = { ':status': state.status, ':in_flight': state.in_flight, ':owner': owner };
    for (const field of ['checked_in_at', 'key_stored_at'] as const) {
      if (state[field] !== undefined) {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = state[field];
      }
    }
    return this.underLease(terminalSn, `SET ${sets.join(', ')}`, values);
  }

  /**
   * Takes the lease and records the check-in as in flight in one write, for a terminal judged
   * from its listing: only if it is still as listed (same status, same last check-in and key
   * write, nothing in flight) and nobody holds its lease. False otherwise: the caller then takes
   * the lease first and judges the terminal under it.
   */
  async leaseAndMarkInFlight(
    terminalSn: string,
    owner: string,
    nowMs: number,
    leaseMs: number,
    listed: Pick<Terminal, 'status' | 'checked_in_at' | 'key_stored_at'>,
    state: { status: TerminalStatus; in_flight: CheckinInFlight },
  ): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':owner': owner,
      ':until': nowMs + leaseMs,
      ':now': nowMs,
      ':status': state.status,
      ':in_flight': state.in_flight,
      ':listed_status': listed.status,
    };
    // A field the listing lacks is pinned as absent: an item that has it is not as listed.
    const pinned = (['checked_in_at', 'key_stored_at'] as const).map((field) => {
      if (listed[field] === undefined) return `attribute_not_exists(${field})`;
      values[`:listed_${field}`] = listed[field];
      return `${field} = :listed_${field}`;
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: terminalKey(terminalSn),
          UpdateExpression: 'SET lease_owner = :owner, lease_until = :until, #status = :status, checkin_in_flight = :in_flight',
          ConditionExpression: `#status = :listed_status AND ${pinned.join(' AND ')} AND attribute_not_exists(checkin_in_flight) AND (attribute_not_exists(lease_until) OR lease_until < :now)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The SDK resends a write whose reply was lost; if the first landed, the resend finds our
      // own lease (the owner is this check-in's alone) and record: that is this write, done.
      const old = error.Item as Record<string, { S?: string; N?: string }> | undefined;
      return old?.lease_owner?.S === owner && Number(old.lease_until?.N) === nowMs + leaseMs;
    }
  }

  /**
   * Ends a check-in under the caller's lease: sets the terminal's new state and frees
   * the lease. Refused (returns false) if the lease was lost to someone else meanwhile.
   */
  async finishCheckin(terminalSn: string, owner: string, outcome: CheckinFinish): Promise<boolean> {
    const sets = ['#status = :status'];
    const values: Record<string, unknown> = { ':status': outcome.status, ':owner': owner };
    for (const field of ['checked_in_at', 'key_stored_at', 'last_error'] as const) {
      if (outcome[field] !== undefined) {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = outcome[field];
      }
    }
    const removes = ['lease_owner', 'lease_until', ...(outcome.last_error === undefined ? ['last_error'] : []), ...(outcome.clear_in_flight ? ['checkin_in_flight'] : [])];
    return this.underLease(terminalSn, `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`, values);
  }

  private underLease(terminalSn: string, update: string, values: Record<string, unknown>): Promise<boolean> {
    return this.updateIf(terminalSn, update, 'lease_owner = :owner', values);
  }

  /** A conditional update of the terminal; false when the condition no longer holds. */
  private async updateIf(terminalSn: string, update: string, condition: string, values: Record<string, unknown>, names: Record<string, string> = {}): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: terminalKey(terminalSn),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...names, ...(`${update} ${condition}`.includes('#status') ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Notes that a retired terminal's key is scheduled for deletion; false if it was not retired. */
  async markKeyDeletionScheduled(terminalSn: string, deletionDate: string): Promise<boolean> {
    return this.updateIf(terminalSn, 'SET key_deletion_at = if_not_exists(key_deletion_at, :at)', '#status = :retired', { ':at': deletionDate, ':retired': 'retired' });
  }

  /** Records a problem seen while using the terminal (e.g. its key refused) without a lease. */
  async recordError(terminalSn: string, lastError: TerminalError): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: terminalKey(terminalSn),
        UpdateExpression: 'SET last_error = :error',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':error': lastError },
      }),
    );
  }

  /**
   * A page of the fleet: up to `limit` terminals, walking the shards in turn from the opaque
   * `cursor` (a cursor that is not one of ours starts from the beginning).
   */
  async listFleet(limit: number, cursor?: string): Promise<FleetPage> {
    let position = decodeFleetCursor(cursor) ?? { partition: 0 };
    const terminals: Terminal[] = [];
    const legacy: string[] = [];
    for (;;) {
      const partition = FLEET_PARTITIONS[position.partition] as string;
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX.fleet.name,
          KeyConditionExpression: 'fleet = :fleet' + (position.after !== undefined ? ' AND terminal_sn > :after' : ''),
          ExpressionAttributeValues: { ':fleet': partition, ...(position.after !== undefined ? { ':after': position.after } : {}) },
          Limit: limit - terminals.length,
        }),
      );
      const read = Items.map(toTerminal);
      terminals.push(...read);
      if (partition === LEGACY_FLEET) legacy.push(...read.map((terminal) => terminal.terminal_sn));
      const last = read.at(-1);
      if (LastEvaluatedKey && last) position = { partition: position.partition, after: last.terminal_sn };
      else if (position.partition + 1 < FLEET_PARTITIONS.length) position = { partition: position.partition + 1 };
      else return { terminals, ...(legacy.length > 0 ? { legacy } : {}) };
      if (terminals.length >= limit) return { terminals, cursor: encodeFleetCursor(position), ...(legacy.length > 0 ? { legacy } : {}) };
    }
  }

  /**
   * Moves a terminal registered before the shards into its shard and its store's listing.
   * Idempotent; false when it had already moved (or is gone).
   */
  async shardLegacyTerminal(terminalSn: string): Promise<boolean> {
    return this.updateIf(
      terminalSn,
      `SET #fleet = :shard, #store = store_id`,
      '#fleet = :legacy',
      { ':shard': fleetShardOf(terminalSn), ':legacy': LEGACY_FLEET },
      { '#fleet': INDEX.fleet.partition, '#store': INDEX.storeTerminals.partition },
    );
  }
}
