// Measurement 4: latency as the cashier app sees it, through the whole local stack (HTTP,
// JWT check, the same handlers, DynamoDB Local, the sandbox), next to a direct signed call
// of lib/upay's UpayClient to the same sandbox in the same run, and for pay a DynamoDB write of
// an order-sized item (a copy of the order pay wrote, to the same table and indexes of the
// same DynamoDB Local): the physical floor of a crash-safe pay is one provider call and two
// writes. Requests go one at a time, the kinds taking turns (each round starting with the next
// kind) so that drift hits all alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../../local/stack.js';
import { localDocumentClient } from '../../local/dynamodb.js';
import { KEY } from '../../lib/store/schema.js';
import { LocalFileKeyStore } from '../../lib/keys/index.js';
import { UpayClient } from '../../lib/upay/index.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { startNotifySink } from './notify-sink.js';
import { summarize, round, type Summary } from './stats.js';
import { AMOUNT, BARCODE_PAID, STORE_ID, nextClientSn, payBody } from './requests.js';

export interface EndToEndInput {
  dynamoEndpoint: string;
  requests: number;
  warmup: number;
}

export interface LatencyPair {
  operation: string;
  end_to_end: string;
  direct: string;
  end_to_end_ms: Summary;
  direct_ms: Summary;
  /** end-to-end ÷ direct. */
  ratio_p50: number;
  ratio_p99: number;
  /** end-to-end − direct, at the median. */
  added_p50_ms: number;
  /** pay only: one conditional PutItem of an order-sized item, timed in the same rounds. */
  dynamodb_write_ms?: Summary;
  /** pay only: end-to-end p50 ÷ (direct p50 + 2 × DynamoDB write p50). */
  ratio_to_floor_p50?: number;
}

export interface EndToEndResult {
  operations: LatencyPair[];
}

async function timed<T>(call: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await call();
  return [performance.now() - started, result];
}

export async function measureEndToEnd(input: EndToEndInput): Promise<EndToEndResult> {
  const dir = mkdtempSync(join(tmpdir(), 'upay-bench-e2e-'));
  const sink = await startNotifySink();
  // Callbacks go to a sink that answers at once: the notify handler stays out of these timings.
  const db = localDocumentClient(input.dynamoEndpoint);
  const tableName = `bench-e2e-${Date.now()}`;
  const stack = await startLocalStack({ dir, dynamoEndpoint: input.dynamoEndpoint, tableName, storeId: STORE_ID, env: { NOTIFY_URL: sink.url }, sweepEveryMs: 0 });
  try {
    const api = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        signal: AbortSignal.timeout(35_000),
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
    };
    const activated = await api('POST', '/v1/terminals', stack.tokens.admin, { activation_code: stack.sandbox.activationCodes[0], device_id: 'bench-till' });
    const terminalSn = String(activated.body.terminal_sn);
    if (activated.status !== 201) throw new Error(`activation: ${activated.status} ${JSON.stringify(activated.body)}`);
    const { terminal_key: key } = await new LocalFileKeyStore({ file: join(dir, 'keys.json') }).current(terminalSn);
    const upay = new UpayClient({ baseUrl: stack.sandbox.url, timeoutMs: 8_000 });
    const signer = { sn: terminalSn, key };

    const payViaStack = async () => {
      const answer = await api('POST', '/v1/payments', stack.tokens.cashier, payBody(terminalSn, nextClientSn('e')));
      if (answer.status !== 200) throw new Error(`pay: ${answer.status} ${JSON.stringify(answer.body)}`);
      return String(answer.body.sn);
    };
    const payDirect = async () => {
      const outcome = await upay.pay(signer, { client_sn: nextClientSn('d'), total_amount: AMOUNT, dynamic_id: BARCODE_PAID, subject: 'Jasmine tea', operator: 'ann', notify_url: sink.url });
      if (outcome.kind !== 'paid') throw new Error(`direct pay: ${outcome.kind}`);
      return outcome.order.sn;
    };
    const finalClientSn = nextClientSn('f');
    const final = await api('POST', '/v1/payments', stack.tokens.cashier, payBody(terminalSn, finalClientSn));
    const finalSn = String(final.body.sn);
    const queryViaStack = (refresh: boolean) => async () => {
      const answer = await api('GET', `/v1/orders/${orderIdFor(finalClientSn)}${refresh ? '?refresh=true' : ''}`, stack.tokens.cashier);
      if (answer.status !== 200) throw new Error(`query: ${answer.status}`);
    };
    const queryDirect = async () => {
      const outcome = await upay.query(signer, { sn: finalSn });
      if (outcome.kind !== 'found') throw new Error(`direct query: ${outcome.kind}`);
    };

    // The order item pay wrote, copied under new keys: the same size and index entries.
    const orderItem = (await db.send(new ScanCommand({ TableName: tableName, FilterExpression: 'client_sn = :c', ExpressionAttributeValues: { ':c': finalClientSn } }))).Items?.[0];
    if (!orderItem) throw new Error('the order pay wrote was not found');
    let copies = 0;
    const dynamoWrite = async () => {
      copies += 1;
      await db.send(new PutCommand({ TableName: tableName, Item: { ...orderItem, [KEY.partition]: `bench-write#${copies}` }, ConditionExpression: `attribute_not_exists(${KEY.partition})` }));
    };

    const kinds: [string, string, string, () => Promise<unknown>, () => Promise<unknown>, (() => Promise<unknown>)?][] = [
      ['pay', 'POST /v1/payments (PAY_SUCCESS)', 'UpayClient.pay', payViaStack, payDirect, dynamoWrite],
      ['query', 'GET /v1/orders/{order_id} of a final order (from the ledger)', 'UpayClient.query', queryViaStack(false), queryDirect],
      ['query, refresh=true', 'GET /v1/orders/{order_id}?refresh=true (asks the provider)', 'UpayClient.query', queryViaStack(true), queryDirect],
    ];
    const operations: LatencyPair[] = [];
    for (const [operation, endToEnd, direct, viaStack, straight, write] of kinds) {
      const calls = [viaStack, straight, ...(write ? [write] : [])];
      const samples = new Map<() => Promise<unknown>, number[]>(calls.map((call) => [call, []]));
      for (let i = 0; i < input.warmup + input.requests; i += 1) {
        for (let turn = 0; turn < calls.length; turn += 1) {
          const call = calls[(i + turn) % calls.length] as () => Promise<unknown>;
          const [ms] = await timed(call);
          if (i >= input.warmup) samples.get(call)?.push(ms);
        }
      }
      const e2e = summarize(samples.get(viaStack) ?? []);
      const d = summarize(samples.get(straight) ?? []);
      const w = write ? summarize(samples.get(write) ?? []) : undefined;
      operations.push({
        operation,
        end_to_end: endToEnd,
        direct,
        end_to_end_ms: e2e,
        direct_ms: d,
        ratio_p50: round(e2e.p50 / d.p50, 2),
        ratio_p99: round(e2e.p99 / d.p99, 2),
        added_p50_ms: round(e2e.p50 - d.p50, 3),
        ...(w ? { dynamodb_write_ms: w, ratio_to_floor_p50: round(e2e.p50 / (d.p50 + 2 * w.p50), 2) } : {}),
      });
    }
    return { operations };
  } finally {
    db.destroy();
    await stack.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
