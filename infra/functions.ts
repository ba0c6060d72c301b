// Every Lambda of the backend, with what it may touch. The stack builds one function per
// entry; the HTTP ones are wired to routes by lib/api/routes.ts. Adding a function to
// HTTP_FUNCTIONS without an entry here fails the type check.
import type { FunctionName } from '../lib/api/routes.js';

export type FunctionId = FunctionName | 'timer' | 'sweep' | 'checkin-fleet' | 'order-events' | 'totals';

/** What a function does with the ledger table. */
export type LedgerAccess = 'read' | 'write' | 'totals';

/**
 * What a function does with terminal keys (`<prefix>/terminals/*`), by the KeyStore calls
 * it makes (lib/keys/secrets-manager.ts):
 * - `sign`: `current` (GetSecretValue);
 * - `rotate`: `current` + `rotate` (PutSecretValue);
 * - `activate`: `create` (CreateSecret, GetSecretValue to recognise its own retry) and
 *   `vendor` (GetSecretValue on the vendor secret, the only function that reads it);
 * - `age`: `currentSince` (ListSecretVersionIds), never the key itself;
 * - `fleet`: `rotate`, and schedules retired terminals' secrets for deletion once their
 *   refunds are over (DeleteSecret, with a recovery window, after RemoveRegionsFromReplication
 *   of the replicas DescribeSecret lists; lib/terminals/retired-keys.ts, lib/keys/retirement.ts);
 * - `none`: no key at all.
 */
export type KeyAccess = 'sign' | 'rotate' | 'activate' | 'age' | 'fleet' | 'none';

export interface FunctionSpec {
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  ledger: LedgerAccess;
  keys: KeyAccess;
}

// HTTP API integrations give up after 30 s: a function serving a route stops before that,
// so its own end, not the gateway's, decides what the caller sees. Cashier-facing routes
// get 512 MB: Lambda's CPU share grows with memory, and cold starts sit at the till.
export const FUNCTIONS = {
  activate: { description: 'POST /v1/terminals: activate a Upay terminal', memoryMb: 512, timeoutSeconds: 29, ledger: 'write', keys: 'activate' },
  terminal: { description: 'GET /v1/terminals/{terminal_sn}: status and key age', memoryMb: 256, timeoutSeconds: 10, ledger: 'read', keys: 'age' },
  // Outlives API Gateway's 30 s: a check-in's worst case with one key-write attempt is 57 s
  // (lib/terminals/budget.ts; CHECKIN_WORST_MS adds the fleet's refused one write); 75 s leaves room for further attempts, which
  // stop in time for the final registry write, and stays under the 90 s check-in lease.
  checkin: { description: 'POST /v1/terminals/{terminal_sn}/checkin: rotate one key now', memoryMb: 512, timeoutSeconds: 75, ledger: 'write', keys: 'rotate' },
  // By default answers after one provider call (PAY_IN_REQUEST_MS 0); room for in-request polling if configured.
  pay: { description: 'POST /v1/payments: barcode payment', memoryMb: 512, timeoutSeconds: 29, ledger: 'write', keys: 'sign' },
  precreate: { description: 'POST /v1/precreates: QR code payment', memoryMb: 512, timeoutSeconds: 20, ledger: 'write', keys: 'sign' },
  // Refreshes an open order from the provider and records the answer, hence writes.
  query: { description: 'GET /v1/orders: the ledger, refreshed while open', memoryMb: 512, timeoutSeconds: 15, ledger: 'write', keys: 'sign' },
  // Send, query, resend: up to three provider calls in the exception flow.
  refund: { description: 'POST /v1/orders/{order_id}/refunds', memoryMb: 512, timeoutSeconds: 29, ledger: 'write', keys: 'sign' },
  revoke: { description: 'POST /v1/orders/{order_id}/revoke', memoryMb: 512, timeoutSeconds: 29, ledger: 'write', keys: 'sign' },
  cancel: { description: 'POST /v1/orders/{order_id}/cancel', memoryMb: 512, timeoutSeconds: 29, ledger: 'write', keys: 'sign' },
  notify: { description: 'POST /v1/upay/notify: verified callback, then re-query', memoryMb: 256, timeoutSeconds: 15, ledger: 'write', keys: 'sign' },
  // The step timer's worker: a batch's steps run at once, each at most 3 provider timeouts (24 s)
  // and its writes; 40 s keeps that under the near-timeout mark (80 %).
  timer: { description: 'Step timer worker: the next step of open orders and refunds', memoryMb: 512, timeoutSeconds: 40, ledger: 'write', keys: 'sign' },
  // Every minute: queries each shard of the due index once and sends what is overdue.
  sweep: { description: 'Every minute: wake open orders and refunds whose timer message was lost', memoryMb: 256, timeoutSeconds: 60, ledger: 'read', keys: 'none' },
  // Hands its cursor to a fresh invocation of itself when time runs short.
  'checkin-fleet': { description: 'Daily: check in every terminal, paced for Secrets Manager', memoryMb: 512, timeoutSeconds: 900, ledger: 'write', keys: 'fleet' },
  attention: { description: 'GET /v1/attention: the worklist of cases for a person', memoryMb: 256, timeoutSeconds: 15, ledger: 'read', keys: 'none' },
  // Queries the provider before it books anything.
  resolve: { description: 'POST /v1/orders/{order_id}/resolve: close a case', memoryMb: 512, timeoutSeconds: 20, ledger: 'write', keys: 'sign' },
  // One totals item; a whole store-day of orders for the CSV and for days without complete totals.
  report: { description: 'GET /v1/reports/daily: the day\'s totals or CSV', memoryMb: 1024, timeoutSeconds: 29, ledger: 'read', keys: 'none' },
  terminals: { description: 'GET /v1/terminals: the fleet', memoryMb: 256, timeoutSeconds: 15, ledger: 'read', keys: 'none' },
  retire: { description: 'POST /v1/terminals/{terminal_sn}/retire: retire a terminal', memoryMb: 256, timeoutSeconds: 15, ledger: 'write', keys: 'none' },
  // The order-events pipe's enrichment: reads the changed order, holds no key.
  'order-events': { description: 'Order events: ledger stream changes to events with the order view', memoryMb: 256, timeoutSeconds: 30, ledger: 'read', keys: 'none' },
  // The ledger stream's second consumer: adds each order change to its store-day's totals.
  totals: { description: 'Store-day totals: ledger stream changes added to the daily totals, once each', memoryMb: 256, timeoutSeconds: 60, ledger: 'totals', keys: 'none' },
} as const satisfies Record<FunctionId, FunctionSpec>;

export const FUNCTION_IDS = Object.keys(FUNCTIONS) as FunctionId[];

/** One value per function, e.g. the function itself. */
export function perFunction<T>(make: (name: FunctionId) => T): Record<FunctionId, T> {
  return Object.fromEntries(FUNCTION_IDS.map((name) => [name, make(name)])) as Record<FunctionId, T>;
}
