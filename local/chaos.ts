// The chaos run: random operations through the local HTTP API while the sandbox injects
// faults, then the step timer settles everything and our ledger is compared with the sandbox's
// books, order by order, to the cent. The operation sequence and the faults come from the
// seed; what the network does with them is the point of the exercise.
import type { LocalStack } from './stack.js';
import { readAll, readReliably } from './bounded.js';

export interface ChaosOptions {
  ops: number;
  faultRate: number;
  seed: number;
  terminals?: number;
  /** Operations in flight at once. */
  parallel?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  operations: Record<string, number>;
  faults: Record<string, number>;
  orders: number;
  open: number;
  needsAttention: Record<string, number>;
  discrepancies: string[];
}

/**
 * The provider timings for a chaos run: short, so an unknown outcome is settled in seconds,
 * but with a provider timeout the in-process sandbox never needs on a busy machine: the
 * faults are the ones the run injects, not the machine's speed. The request has room for a
 * refund's resend (2 × the timeout), as in production.
 */
export const CHAOS_TIMINGS = {
  PROVIDER_TIMEOUT_MS: '1000',
  POLL_INTERVAL_MS: '100',
  PAY_IN_REQUEST_MS: '2500',
  PAY_DEADLINE_MS: '3500',
  PRECREATE_FAST_POLL_MS: '100',
  PRECREATE_FAST_MS: '300',
  PRECREATE_POLL_MS: '150',
  PRECREATE_DEADLINE_MS: '4000',
  MAX_ATTEMPTS: '8',
  REQUEST_LIFETIME_MS: '2600',
};

/** An injected delay: well past the provider timeout above. */
const DELAY_FAULT_MS = 2_500;

/** Past the local API Gateway's own 29 s: a request that hangs longer is a fault of the run. */
const REQUEST_TIMEOUT_MS = 35_000;
/**
 * Passes of due work to settle every open order before the verdict. A pass lasts at least
 * SETTLE_PAUSE_MS, so together they outlast the exception flows' slowest waits (deadlines,
 * a refund in progress polled with backoff); counted, so a busy machine gets more time.
 */
const SETTLE_PASSES = 240;
const SETTLE_PAUSE_MS = 500;

const FAULT_KINDS = ['delay', 'http_500', 'maintenance', 'malformed', 'close', 'drop_reply', 'bad_gateway'] as const;
const PROVIDER_PATHS = ['/upay/v2/pay', '/upay/v2/precreate', '/upay/v2/query', '/upay/v2/refund', '/upay/v2/revoke', '/upay/v2/cancel'];

// The barcode suffixes of local/sandbox/README.md, weighted like a busy day with bad luck.
const PAY_SCENARIOS: [string, number][] = [
  ['0000', 55], ['9102', 6], ['9105', 4], ['9203', 4], ['9300', 4], ['9301', 2], ['9302', 2],
  ['9401', 3], ['9406', 2], ['9500', 2], ['9501', 2], ['9601', 3], ['9602', 3], ['9603', 3], ['9701', 2], ['9702', 3],
];

/** Reasons the provider's own rules leave a person to decide (protocol §5–§6). */
const PROVIDER_UNKNOWN = /PAY_FAIL_ERROR|PAY_FAIL_IN_PROGRESS|PAY_ERROR|CANCEL_ERROR|CANCEL_ABORT_ERROR|REFUND_ERROR|revoke not confirmed/;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Order {
  order_id: string;
  client_sn: string;
  order_status: string;
  total_amount: number;
  net_amount: number;
  refunded_amount: number;
  attention: string | null;
  reversal?: string;
  refunds: { refund_request_no: string; refund_amount: number; status: string; attention: string | null }[];
}

interface BookEntry {
  client_sn: string;
  order_status: string;
  net_amount: number;
  refunded_amount: number;
  pending_refund_amount: number;
}

/** What a scenario run needs of the local stack: the API, the sandbox's control API, the ledger. */
export interface ChaosSession {
  api(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<{ status: number; body: Order & { error?: { code: string } } }>;
  control(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  readLedger(clientSns: readonly string[]): Promise<(Order | undefined)[]>;
  /** Activates `count` terminals in the stack's store. */
  terminals(count: number, label: string): Promise<string[]>;
}

export function chaosSession(stack: LocalStack): ChaosSession {
  const api: ChaosSession['api'] = async (method, path, token, body) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Order & { error?: { code: string } } };
  };
  const readOrder = async (clientSn: string) => ledgerAnswer(await api('GET', `/v1/orders?client_sn=${encodeURIComponent(clientSn)}`, stack.tokens.cashier));
  const control: ChaosSession['control'] = async (method, path, body) => {
    const response = await fetch(`${stack.sandbox.url}/_sandbox/${path}`, {
      method,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json() as Promise<unknown>;
  };
  return {
    api,
    control,
    readLedger: (clientSns) => readAll((sn) => `ledger read of ${sn}`, clientSns, readOrder, { concurrency: 16 }),
    async terminals(count, label) {
      // One activation code with enough uses.
      const { code } = (await control('POST', 'activation-codes', { uses: count, store_id: stack.storeId })) as { code: string };
      const terminals: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const answer = await api('POST', '/v1/terminals', stack.tokens.admin, { activation_code: code, device_id: `${label}-${i}` });
        terminals.push((answer.body as unknown as { terminal_sn: string }).terminal_sn);
      }
      return terminals;
    },
  };
}

export async function runChaos(stack: LocalStack, options: ChaosOptions): Promise<ChaosReport> {
  const random = mulberry32(options.seed);
  const log = options.log ?? (() => undefined);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const weighted = (table: [string, number][]): string => {
    let roll = random() * table.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, weight] of table) if ((roll -= weight) < 0) return value;
    return table[0]?.[0] ?? '0000';
  };
  const report = emptyReport();
  const session = chaosSession(stack);
  const { api, control } = session;
  const terminals = await session.terminals(options.terminals ?? 3, `chaos-${options.seed}`);

  const created: { client_sn: string; body: Record<string, unknown>; kind: 'pay' | 'precreate' }[] = [];
  const orderIds = new Map<string, string>();
  let sequence = 0;
  const nextSn = () => `chaos-${options.seed}-${(sequence += 1)}`;
  const barcode = (suffix: string) => `28${String(Math.floor(random() * 1e12)).padStart(12, '0')}${suffix}`;

  async function maybeFault(terminalSn: string): Promise<void> {
    if (random() >= options.faultRate) return;
    const kind = pick(FAULT_KINDS);
    bump(report.faults, kind);
    await control('POST', 'faults', { kind, terminal_sn: terminalSn, path: pick(PROVIDER_PATHS), count: 1, ...(kind === 'delay' ? { delay_ms: DELAY_FAULT_MS } : {}) });
  }

  // Each operation is decided entirely from the seed before it runs.
  function plan(): () => Promise<void> {
    const roll = random();
    const terminal = pick(terminals);
    const known = created.length > 0 ? pick(created) : undefined;
    if (roll < 0.4 || !known) {
      const client_sn = nextSn();
      const body = { terminal_sn: terminal, client_sn, total_amount: 100 + Math.floor(random() * 9_900), dynamic_id: barcode(weighted(PAY_SCENARIOS)), subject: 'chaos', operator: 'bot' };
      created.push({ client_sn, body, kind: 'pay' });
      return async () => {
        bump(report.operations, 'pay');
        const answer = await api('POST', '/v1/payments', stack.tokens.cashier, body);
        if (answer.body.order_id) orderIds.set(client_sn, answer.body.order_id);
      };
    }
    if (roll < 0.52) {
      const client_sn = nextSn();
      const body = { terminal_sn: terminal, client_sn, total_amount: 100 + Math.floor(random() * 9_900), payway: pick(['1', '3', '17']), subject: 'chaos qr', operator: 'bot' };
      const customerPays = random() < 0.7;
      created.push({ client_sn, body, kind: 'precreate' });
      return async () => {
        bump(report.operations, customerPays ? 'precreate_paid' : 'precreate_abandoned');
        const answer = await api('POST', '/v1/precreates', stack.tokens.cashier, body);
        if (answer.body.order_id) orderIds.set(client_sn, answer.body.order_id);
        if (customerPays) await control('POST', 'qr/pay', { client_sn });
      };
    }
    if (roll < 0.77) {
      const amount = 1 + Math.floor(random() * 4_000);
      const refundNo = `r${Math.floor(random() * 1e9)}`;
      const concurrent = random() < 0.15 ? 3 : 1;
      return async () => {
        const orderId = orderIds.get(known.client_sn);
        if (!orderId) return;
        bump(report.operations, concurrent > 1 ? 'refund_concurrent_repeat' : 'refund');
        await Promise.all(Array.from({ length: concurrent }, () => api('POST', `/v1/orders/${orderId}/refunds`, stack.tokens.cashier, { refund_request_no: refundNo, refund_amount: amount, operator: 'bot' })));
      };
    }
    if (roll < 0.85) {
      const concurrent = random() < 0.3 ? 3 : 1;
      return async () => {
        bump(report.operations, concurrent > 1 ? 'duplicate_concurrent' : 'duplicate');
        const path = known.kind === 'pay' ? '/v1/payments' : '/v1/precreates';
        await Promise.all(Array.from({ length: concurrent }, () => api('POST', path, stack.tokens.cashier, known.body)));
      };
    }
    const action = random() < 0.5 ? 'revoke' : 'cancel';
    return async () => {
      const orderId = orderIds.get(known.client_sn);
      if (!orderId) return;
      bump(report.operations, action);
      await api('POST', `/v1/orders/${orderId}/${action}`, stack.tokens.admin, {});
    };
  }

  const parallel = options.parallel ?? 4;
  for (let done = 0; done < options.ops; ) {
    const batch: (() => Promise<void>)[] = [];
    for (let i = 0; i < parallel && done < options.ops; i += 1, done += 1) {
      await maybeFault(pick(terminals));
      batch.push(plan());
    }
    await Promise.all(batch.map((run) => run().catch((error: unknown) => log(`operation failed: ${(error as Error).message}`))));
    if (done % 200 < parallel) log(`${done}/${options.ops} operations`);
  }

  // Settle: no more faults; let the provider's QR expiry pass; run the due work until nothing is open.
  await control('DELETE', 'faults');
  await control('POST', 'clock', { advance_ms: 101_000 });
  await settleAndJudge(stack, session, created.map(({ client_sn }) => client_sn), `chaos-${options.seed}-`, report);
  return report;
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

export const emptyReport = (): ChaosReport => ({ operations: {}, faults: {}, orders: 0, open: 0, needsAttention: {}, discrepancies: [] });

/**
 * Runs the due work (stack.runDue) until none of `clientSns` is open, then compares each order with the
 * provider's books, to the cent, into `report`. Counted in passes, not in wall-clock time:
 * a busy machine settles slower, not differently.
 */
export async function settleAndJudge(stack: LocalStack, session: ChaosSession, clientSns: readonly string[], prefix: string, report: ChaosReport): Promise<void> {
  let open = [...clientSns];
  for (let pass = 0; pass < SETTLE_PASSES && open.length > 0; pass += 1) {
    await stack.runDue(1_000);
    const reread = await session.readLedger(open);
    open = reread.filter((order): order is Order => order !== undefined && isOpen(order)).map((order) => order.client_sn);
    if (open.length > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
  }
  // The verdict reads every order once more, whole.
  const orders = (await session.readLedger(clientSns)).filter((order): order is Order => order !== undefined);
  report.open = orders.filter(isOpen).length;

  const bookEntries = await readReliably('the sandbox books', async () => {
    const { orders } = (await session.control('GET', 'orders')) as { orders?: BookEntry[] };
    if (!Array.isArray(orders)) throw new Error('the sandbox answered no books');
    return orders;
  });
  const books = new Map(bookEntries.map((entry) => [entry.client_sn, entry]));
  for (const order of orders) {
    report.orders += 1;
    const reasons = [order.attention, ...order.refunds.map((r) => r.attention)].filter((r): r is string => r !== null);
    for (const reason of reasons) bump(report.needsAttention, reason.replace(/ \d+/g, ' N'));
    if (reasons.some((reason) => !PROVIDER_UNKNOWN.test(reason))) report.discrepancies.push(`${order.client_sn}: needs attention without a provider reason: ${reasons.join('; ')}`);
    if (isOpen(order)) report.discrepancies.push(`${order.client_sn}: still open (${order.order_status})`);
    if (reasons.length > 0) continue; // a person decides these; their amounts are not ours to claim
    const book = books.get(order.client_sn);
    books.delete(order.client_sn);
    if (!book) {
      if (order.order_status !== 'PAY_CANCELED' || order.net_amount !== 0) report.discrepancies.push(`${order.client_sn}: ${order.order_status} here, unknown to the provider`);
      continue;
    }
    const ours = { order_status: order.order_status, net_amount: order.net_amount, refunded_amount: order.refunded_amount };
    const theirs = { order_status: book.order_status, net_amount: book.net_amount, refunded_amount: book.refunded_amount };
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) report.discrepancies.push(`${order.client_sn}: ours ${JSON.stringify(ours)} provider ${JSON.stringify(theirs)}`);
  }
  const recorded = new Set(orders.map((order) => order.client_sn));
  for (const [clientSn, book] of books) {
    if (clientSn.startsWith(prefix) && !recorded.has(clientSn)) {
      report.discrepancies.push(`${clientSn}: ${book.order_status} at the provider, missing from our ledger`);
    }
  }
}

/**
 * What one ledger read says: the order, or undefined when our API says it has no such order
 * (refused before anything was stored). Anything else — a 5xx, a gateway answer, a timeout
 * — says nothing about the order and throws, so that the read is retried, never counted.
 */
export function ledgerAnswer(answer: { status: number; body: unknown }): Order | undefined {
  const body = answer.body as Partial<Order> & { error?: { code?: string } };
  if (answer.status === 200 && typeof body.order_id === 'string') return body as Order;
  if (answer.status === 404 && body.error?.code === 'NOT_FOUND') return undefined;
  throw new Error(`HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

export const isOpen = (order: Order) =>
  order.attention === null && (order.order_status === 'CREATED' || order.reversal !== undefined || order.refunds.some((r) => r.status === 'REFUND_IN_PROGRESS'));

export function summary(report: ChaosReport, options: ChaosOptions): string {
  const lines = [
    `chaos run: ops ${options.ops}, fault rate ${options.faultRate}, seed ${options.seed}`,
    `operations: ${JSON.stringify(report.operations)}`,
    `faults injected: ${JSON.stringify(report.faults)}`,
    `orders compared: ${report.orders}`,
    `open after settling: ${report.open}`,
    `needs_attention by reason: ${JSON.stringify(report.needsAttention)}`,
    ...report.discrepancies.slice(0, 50).map((line) => `  discrepancy ${line}`),
    `discrepancies: ${report.discrepancies.length}`,
  ];
  return lines.join('\n');
}
