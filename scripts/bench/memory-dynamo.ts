// The DynamoDB DocumentClient answered in memory (aws-sdk-client-mock on the class, so the
// client lib/api/context.ts builds is caught): enough of Get/Put/Update/Query/TransactWrite
// for the ledger's and the registry's success paths. Conditions are not evaluated (every
// write succeeds) and update expressions are applied as the ledger writes them
// (`SET a = :a, b = b + :n …  REMOVE c, …`). Its own CPU time is tallied so that it can be
// subtracted from a handler's.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GetCommandInput, PutCommandInput, QueryCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { INDEX } from '../../lib/store/schema.js';
import { processCpuMs } from './cpu-clock.js';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

/** The handlers' environment against the in-memory table: no endpoint is ever reached. */
export const MEMORY_TABLE = 'bench-ledger';
export const MEMORY_STACK_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: MEMORY_TABLE,
  UPAY_BASE_URL: 'https://upay.bench.invalid',
};

export interface MemoryDynamo {
  /** CPU time spent in the fake, ms: the mock's own `send` (command matching included) and the answers. */
  cpuMs(): number;
  /** Forgets every item, and the mock's record of calls. */
  clear(): void;
  /** Forgets the mock's record of calls, which would otherwise grow (and be garbage-collected) without end. */
  forgetCalls(): void;
  restore(): void;
}

const keyOf = (key: Item) => `${String(key.pk)}\u0000${String(key.sk)}`;
const copy = <T>(value: T): T => structuredClone(value);

function operand(token: string, item: Item, names: Names, values: Values): unknown {
  const trimmed = token.trim();
  if (trimmed.startsWith(':')) return values?.[trimmed];
  const name = trimmed.startsWith('#') ? (names?.[trimmed] ?? trimmed) : trimmed;
  return item[name];
}

/** Applies `SET x = y [+|- z], … REMOVE a, …` to `item`. */
export function applyUpdate(item: Item, expression: string, names: Names, values: Values): void {
  const match = /^(?:SET (.*?))?\s*(?:REMOVE (.*))?$/.exec(expression.trim());
  if (!match) throw new Error(`unsupported update expression: ${expression}`);
  const [, sets, removes] = match;
  for (const assignment of sets ? sets.split(',') : []) {
    const [left, right] = assignment.split('=').map((part) => part.trim()) as [string, string];
    const target = left.startsWith('#') ? (names?.[left] ?? left) : left;
    const arithmetic = /^(\S+)\s*([+-])\s*(\S+)$/.exec(right);
    if (arithmetic) {
      const [, a, sign, b] = arithmetic as unknown as [string, string, string, string];
      const x = Number(operand(a, item, names, values) ?? 0);
      const y = Number(operand(b, item, names, values) ?? 0);
      item[target] = sign === '+' ? x + y : x - y;
    } else item[target] = copy(operand(right, item, names, values));
  }
  for (const name of removes ? removes.split(',') : []) {
    const trimmed = name.trim();
    delete item[trimmed.startsWith('#') ? (names?.[trimmed] ?? trimmed) : trimmed];
  }
}

export function installMemoryDynamo(): MemoryDynamo {
  const mock = mockClient(DynamoDBDocumentClient);
  const items = new Map<string, Item>();
  const byPk = new Map<string, Set<string>>();
  let cpu = 0;
  /** The answer as the SDK gives it: a promise, rejected if answering threw. */
  const settled = <T>(act: () => T): Promise<T> => {
    try {
      return Promise.resolve(act());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };

  const put = (item: Item) => {
    const key = keyOf(item);
    items.set(key, copy(item));
    const pk = String(item.pk);
    if (!byPk.has(pk)) byPk.set(pk, new Set());
    byPk.get(pk)?.add(key);
  };
  const update = (input: { Key?: Item; UpdateExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values }) => {
    const key = input.Key ?? {};
    const item = items.get(keyOf(key)) ?? { ...key };
    applyUpdate(item, input.UpdateExpression ?? '', input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    put(item);
    return item;
  };

  // One catch-all behaviour, dispatched on the input's shape: a behaviour per command would
  // make the mock deep-match every call against each of them, which allocates more than the
  // handlers do and would pass for their garbage.
  const answer = (input: Record<string, unknown>) => {
    if (input.TransactItems !== undefined) {
      for (const entry of (input as TransactWriteCommandInput).TransactItems ?? []) {
        if (entry.Put) put(entry.Put.Item ?? {});
        else if (entry.Update) update(entry.Update as Parameters<typeof update>[0]);
      }
      return { $metadata: {} };
    }
    if (input.UpdateExpression !== undefined) {
      const item = update(input as Parameters<typeof update>[0]);
      return { Attributes: input.ReturnValues === 'ALL_NEW' ? copy(item) : undefined, $metadata: {} };
    }
    if (input.KeyConditionExpression !== undefined) return query(input as QueryCommandInput);
    if (input.Item !== undefined) {
      put((input as PutCommandInput).Item ?? {});
      return { $metadata: {} };
    }
    const item = items.get(keyOf((input as GetCommandInput).Key ?? {}));
    return { Item: item ? copy(item) : undefined, $metadata: {} };
  };
  const query = (input: QueryCommandInput) => {
    const values = input.ExpressionAttributeValues ?? {};
    let found: Item[];
    if (input.IndexName === undefined) {
      found = [...(byPk.get(String(values[':pk'])) ?? [])].map((key) => items.get(key) as Item).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    } else if (input.IndexName === 'by-sn') {
      found = [...items.values()].filter((item) => item.sn === values[':sn']).map((item) => ({ pk: item.pk, sk: item.sk, sn: item.sn }));
    } else if (input.IndexName === INDEX.due.name) {
      const upTo = values[':before'] === undefined ? Infinity : Number(values[':before']);
      found = [...items.values()]
        .filter((item) => item.due_shard === values[':shard'] && Number(item.due_at) <= upTo)
        .sort((a, b) => Number(a.due_at) - Number(b.due_at))
        .map((item) => ({ pk: item.pk, sk: item.sk, due_shard: item.due_shard, due_at: item.due_at }));
    } else if (input.IndexName === INDEX.attention.name) {
      // The open-cases gauge the sweep reports (lib/store/records.ts countOpenCases).
      found = [...items.values()].filter((item) => item.attention_shard === values[':shard']);
    } else throw new Error(`unsupported index ${input.IndexName}`);
    const page = found.slice(0, input.Limit ?? found.length);
    return input.Select === 'COUNT' ? { Count: page.length, $metadata: {} } : { Items: copy(page), Count: page.length, $metadata: {} };
  };
  mock.onAnyCommand().callsFake((input: Record<string, unknown>) => settled(() => answer(input)));

  // The mock's `send` matches each command against the configured ones before answering: that
  // is the fake's time too, so the whole call is timed.
  const prototype = DynamoDBDocumentClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const mocked = prototype.send;
  prototype.send = function timedSend(this: unknown, ...args: unknown[]) {
    const started = processCpuMs();
    try {
      return mocked.apply(this, args);
    } finally {
      cpu += processCpuMs() - started;
    }
  };

  return {
    cpuMs: () => cpu,
    clear: () => {
      items.clear();
      byPk.clear();
      mock.resetHistory();
    },
    forgetCalls: () => mock.resetHistory(),
    restore: () => {
      prototype.send = mocked;
      mock.restore();
    },
  };
}
