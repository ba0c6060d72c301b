// A counting proxy on loopback in front of DynamoDB Local: every call the handlers make is
// counted by its `X-Amz-Target` operation, and the request units it consumed (table and
// indexes) are read from the real answer. To get them, `ReturnConsumedCapacity: INDEXES` is
// added to requests that do not ask for it; DynamoDB Local does not check signatures, and the
// SDK ignores the extra field in the answer, whose bytes (and CRC32) stay untouched.
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';

export const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
export const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface OperationCount {
  calls: number;
  errors: number;
  read_units: number;
  write_units: number;
  /** The part of the units spent on global secondary indexes. */
  index_units: number;
  /** Items inside TransactWriteItems / TransactGetItems / Batch* calls. */
  items: number;
}

export type DynamoCounts = Record<string, OperationCount>;

export interface CountingProxy {
  url: string;
  snapshot(): DynamoCounts;
  close(): Promise<void>;
}

interface Capacity {
  CapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const unitsOf = (consumed: unknown): { total: number; indexes: number } => {
  const list = Array.isArray(consumed) ? (consumed as Capacity[]) : consumed ? [consumed as Capacity] : [];
  return {
    total: list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0),
    indexes: list.reduce((sum, entry) => sum + Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce((inner, index) => inner + (index.CapacityUnits ?? 0), 0), 0),
  };
};

const itemsOf = (operation: string, body: Record<string, unknown>): number => {
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') return (body.TransactItems as unknown[] | undefined)?.length ?? 0;
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    const requests = (body.RequestItems ?? {}) as Record<string, unknown[] | { Keys?: unknown[] }>;
    return Object.values(requests).reduce<number>((sum, entry) => sum + (Array.isArray(entry) ? entry.length : (entry.Keys?.length ?? 0)), 0);
  }
  return 1;
};

/** Sees each counted call: its operation, request body and the ConsumedCapacity DynamoDB answered. */
export type CallObserver = (operation: string, request: Record<string, unknown>, consumed: unknown) => void;

export async function startCountingProxy(target: string, observe?: CallObserver): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts: DynamoCounts = {};

  const forward = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const operation = String(incoming.headers['x-amz-target'] ?? 'unknown').split('.').pop() ?? 'unknown';
    const counted = READ_OPERATIONS.has(operation) || WRITE_OPERATIONS.has(operation);
    let parsed: Record<string, unknown> = {};
    if (counted) {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (parsed.ReturnConsumedCapacity === undefined) body = Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'INDEXES' }));
    }
    const headers = { ...incoming.headers, host: upstream.host, 'content-length': String(body.length) };
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const call = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers, agent }, resolve);
      call.once('error', reject);
      call.end(body);
    });
    const replyChunks: Buffer[] = [];
    for await (const chunk of answer) replyChunks.push(chunk as Buffer);
    const reply = Buffer.concat(replyChunks);
    const entry = (counts[operation] ??= { calls: 0, errors: 0, read_units: 0, write_units: 0, index_units: 0, items: 0 });
    entry.calls += 1;
    if ((answer.statusCode ?? 500) >= 400) entry.errors += 1;
    else if (counted) {
      const consumed = (JSON.parse(reply.toString('utf8')) as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      observe?.(operation, parsed, consumed);
      const units = unitsOf(consumed);
      if (READ_OPERATIONS.has(operation)) entry.read_units += units.total;
      else entry.write_units += units.total;
      entry.index_units += units.indexes;
    }
    entry.items += counted ? itemsOf(operation, parsed) : 0;
    outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
    outgoing.end(reply);
  };

  const server = createServer((incoming, outgoing) => {
    forward(incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the counting proxy has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    snapshot: () => structuredClone(counts),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** What happened between two snapshots. */
export function difference(after: DynamoCounts, before: DynamoCounts): DynamoCounts {
  const out: DynamoCounts = {};
  for (const [operation, entry] of Object.entries(after)) {
    const base = before[operation] ?? { calls: 0, errors: 0, read_units: 0, write_units: 0, index_units: 0, items: 0 };
    const delta = {
      calls: entry.calls - base.calls,
      errors: entry.errors - base.errors,
      read_units: entry.read_units - base.read_units,
      write_units: entry.write_units - base.write_units,
      index_units: entry.index_units - base.index_units,
      items: entry.items - base.items,
    };
    if (delta.calls > 0) out[operation] = delta;
  }
  return out;
}
