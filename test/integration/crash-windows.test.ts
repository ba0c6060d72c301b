// Crash windows: every flow is stopped right after a provider call returns (as a Lambda killed
// by its timeout would be: nothing after that point runs, so no wake-up is sent either), and
// the sweep and the step timer alone must finish the order exactly as the provider's books have it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { createTable, localDocumentClient } from '../../local/dynamodb.js';
import { UpayClient } from '../../lib/upay/index.js';
import { LocalFileKeyStore } from '../../lib/keys/index.js';
import { Ledger } from '../../lib/store/ledger.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { activateTerminal } from '../../lib/terminals/activation.js';
import { terminalSigner } from '../../lib/terminals/signer.js';
import { silentTelemetry } from '../../lib/telemetry.js';
import type { PaymentDeps } from '../../lib/payments/deps.js';
import { pay } from '../../lib/payments/pay.js';
import { precreate } from '../../lib/payments/precreate.js';
import { refund } from '../../lib/payments/refund.js';
import { reverse } from '../../lib/payments/reversal.js';
import { advance, advanceBatch } from '../../lib/payments/reconcile.js';
import { sweep, wakeUpFor } from '../../lib/payments/sweep.js';
import { LocalStepTimer } from '../../lib/timer/index.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { barcode, sandboxControl } from './helpers/local-stack.js';

type UpayMethod = 'pay' | 'precreate' | 'query' | 'refund' | 'revoke' | 'cancel';

let sandbox: Sandbox;
let ledger: Ledger;
let upay: UpayClient;
let keys: LocalFileKeyStore;
let terminalSn: string;
const STORE = 'store-1';
/** The step timer's stand-in, feeding the worker's batch code; no wake-up is left behind by a killed flow. */
const timer = new LocalStepTimer({ visibilityMs: 200 });

// A provider timeout the in-process sandbox never needs on a busy machine; the request has
// room for one in-request poll and for a refund's resend, as in production.
const timing = {
  providerTimeoutMs: 1_000,
  pollIntervalMs: 100,
  inRequestMs: 2_300,
  payDeadlineMs: 3_000,
  precreateFastPollMs: 100,
  precreateFastMs: 300,
  precreatePollMs: 150,
  precreateDeadlineMs: 3_000,
  maxAttempts: 4,
  requestLifetimeMs: 2_400,
};

function deps(client: PaymentDeps['upay'] = upay, timings: Partial<PaymentDeps['timing']> = {}): PaymentDeps {
  return {
    ledger,
    upay: client,
    signer: terminalSigner({ keys, telemetry: silentTelemetry, onKeyRefused: async () => undefined }),
    telemetry: silentTelemetry,
    timer,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    timing: { ...timing, ...timings },
  };
}

/** A provider client whose `nth` call of `method` returns to a Lambda that is already dead. */
function killedAfter(method: UpayMethod, nth = 1): { client: PaymentDeps['upay']; killed: Promise<void> } {
  let calls = 0;
  let markKilled: () => void = () => undefined;
  const killed = new Promise<void>((resolve) => (markKilled = resolve));
  const wrap =
    <A extends unknown[], R>(name: UpayMethod, real: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await real(...args);
      if (name === method && (calls += 1) === nth) {
        markKilled();
        return new Promise<R>(() => undefined); // the rest of the handler never runs
      }
      return result;
    };
  const client = {
    pay: wrap('pay', upay.pay.bind(upay)),
    precreate: wrap('precreate', upay.precreate.bind(upay)),
    query: wrap('query', upay.query.bind(upay)),
    refund: wrap('refund', upay.refund.bind(upay)),
    revoke: wrap('revoke', upay.revoke.bind(upay)),
    cancel: wrap('cancel', upay.cancel.bind(upay)),
  };
  return { client, killed };
}

/** Starts a flow that will be killed, and returns once it is dead. */
async function runUntilKilled(killer: { killed: Promise<void> }, flow: Promise<unknown>): Promise<void> {
  await Promise.race([killer.killed, flow.then(() => Promise.reject(new Error('the flow finished before its kill point')))]);
}

/** What the timer does with every item due now, at once: run its step (a killed run leaves it unsettled). */
async function wakeAllDue(d: PaymentDeps) {
  await Promise.allSettled((await ledger.due(Date.now(), 50)).map((item) => advance(d, wakeUpFor(item))));
}

async function settleBySweeping(clientSn: string) {
  // Counted in passes, not seconds: a busy machine settles slower, not differently.
  for (let pass = 0; ; pass += 1) {
    await sweep(deps(), { graceMs: 0, limitPerShard: 50 });
    await timer.drained();
    const found = await ledger.getOrder(orderIdFor(clientSn));
    const open = !found || found.order.work !== undefined || found.refunds.some((r) => r.status === 'REFUND_IN_PROGRESS');
    if (!open) return found;
    if (pass >= 300) throw new Error(`${clientSn} did not settle: ${JSON.stringify(found?.order)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function book(clientSn: string) {
  const { orders } = (await sandboxControl(sandbox.url, 'GET', 'orders')) as { orders: { client_sn: string; order_status: string; net_amount: number; refunded_amount: number; refunds: unknown[] }[] };
  return orders.find((order) => order.client_sn === clientSn);
}

async function expectMatchesBook(clientSn: string, status: string) {
  const found = await settleBySweeping(clientSn);
  const theirs = await book(clientSn);
  expect(found?.order.attention).toBeUndefined();
  expect({ status: found?.order.order_status, net: found?.order.net_amount, refunded: found?.order.refunded_amount }).toEqual({
    status,
    net: theirs?.net_amount ?? 0,
    refunded: theirs?.refunded_amount ?? 0,
  });
  if (theirs) expect(theirs.order_status).toBe(status);
}

const payRequest = (clientSn: string, suffix = '0000') => ({
  store_id: STORE,
  terminal_sn: terminalSn,
  request: { client_sn: clientSn, total_amount: 1000, dynamic_id: barcode(suffix), subject: 'tea', operator: 'ann' },
});
const newSn = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function paidOrder(): Promise<string> {
  const clientSn = newSn('paid');
  const result = await pay(deps(), payRequest(clientSn));
  if (result.kind !== 'created' || result.found.order.order_status !== 'PAID') throw new Error('setup payment failed');
  return clientSn;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  const endpoint = inject('dynamoEndpoint');
  const table = `crash-${randomUUID()}`;
  await createTable(endpoint, table);
  const db = localDocumentClient(endpoint);
  ledger = new Ledger(db, table);
  keys = new LocalFileKeyStore({ file: join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json') });
  await keys.setVendor(sandbox.vendor);
  upay = new UpayClient({ baseUrl: sandbox.url, timeoutMs: 5_000 });
  const activation = await activateTerminal(
    { upay, keys, registry: new TerminalRegistry(db, table), telemetry: silentTelemetry, now: () => Date.now() },
    { store_id: STORE, device_id: 'till-crash', activation_code: sandbox.activationCodes[0] ?? '' },
  );
  if (activation.kind !== 'activated') throw new Error(activation.kind);
  terminalSn = activation.terminal.terminal_sn;
  timer.attach(advanceBatch(deps()));
});
afterAll(async () => {
  await timer.stop();
  await sandbox?.close();
});

describe('a Lambda killed right after a provider call', () => {
  it('pay, after the provider charged: the sweep and the timer book it PAID', async () => {
    const clientSn = newSn('pay');
    const killer = killedAfter('pay');
    await runUntilKilled(killer, pay(deps(killer.client), payRequest(clientSn)));
    await expectMatchesBook(clientSn, 'PAID');
  });

  it('pay, while polling an in-progress payment: the sweep and the timer book it PAID', async () => {
    const clientSn = newSn('pay-poll');
    const killer = killedAfter('query', 1);
    // A deadline far off: on a busy machine the sweeps must not reach the cancel first.
    await runUntilKilled(killer, pay(deps(killer.client, { payDeadlineMs: 60_000 }), payRequest(clientSn, '9103')));
    await expectMatchesBook(clientSn, 'PAID');
  });

  it('pay, of a payment that never completes: the sweep and the timer cancel it at the deadline', async () => {
    const clientSn = newSn('pay-forever');
    const killer = killedAfter('pay');
    await runUntilKilled(killer, pay(deps(killer.client), payRequest(clientSn, '9300')));
    await expectMatchesBook(clientSn, 'CANCELED');
  });

  it('precreate, before the QR was stored, and the customer pays: the sweep and the timer book it PAID', async () => {
    const clientSn = newSn('qr');
    const killer = killedAfter('precreate');
    await runUntilKilled(killer, precreate(deps(killer.client), { store_id: STORE, terminal_sn: terminalSn, request: { client_sn: clientSn, total_amount: 800, payway: '3', subject: 'cake', operator: 'ann' } }));
    await sandboxControl(sandbox.url, 'POST', 'qr/pay', { client_sn: clientSn });
    await expectMatchesBook(clientSn, 'PAID');
  });

  it('precreate, and the customer never pays: the sweep and the timer cancel it', async () => {
    const clientSn = newSn('qr-abandoned');
    const killer = killedAfter('precreate');
    await runUntilKilled(killer, precreate(deps(killer.client), { store_id: STORE, terminal_sn: terminalSn, request: { client_sn: clientSn, total_amount: 800, payway: '3', subject: 'cake', operator: 'ann' } }));
    await expectMatchesBook(clientSn, 'CANCELED');
  });

  it('refund, after the provider refunded: the sweep and the timer settle the refund once', async () => {
    const clientSn = await paidOrder();
    const killer = killedAfter('refund');
    await runUntilKilled(killer, refund(deps(killer.client), { store_id: STORE, order_id: orderIdFor(clientSn), refund_request_no: 'k1', refund_amount: 300, operator: 'ann' }));
    await expectMatchesBook(clientSn, 'PARTIAL_REFUNDED');
    expect((await book(clientSn))?.refunds).toHaveLength(1);
  });

  it('refund, after the exception flow resent it: the sweep and the timer settle the refund once', async () => {
    const clientSn = await paidOrder();
    // The first send is lost before the provider acts, so the exception flow sends it again.
    await sandboxControl(sandbox.url, 'POST', 'faults', { kind: 'close', path: '/upay/v2/refund', count: 1 });
    const killer = killedAfter('refund', 2);
    // Room in the request for the resend (two provider timeouts) however slow the first try was.
    const roomy = { inRequestMs: timing.inRequestMs + 3_000, requestLifetimeMs: timing.requestLifetimeMs + 3_000 };
    await runUntilKilled(killer, refund(deps(killer.client, roomy), { store_id: STORE, order_id: orderIdFor(clientSn), refund_request_no: 'k2', refund_amount: 1000, operator: 'ann' }));
    await expectMatchesBook(clientSn, 'REFUNDED');
    expect((await book(clientSn))?.refunds).toHaveLength(1);
  });

  it('revoke, after the provider reversed it: the sweep and the timer book it CANCELED', async () => {
    const clientSn = await paidOrder();
    const killer = killedAfter('revoke');
    await runUntilKilled(killer, reverse(deps(killer.client), { client_sn: clientSn }, STORE, 'revoke', 'ann'));
    await expectMatchesBook(clientSn, 'CANCELED');
  });

  it('cancel of an open payment, after the provider stopped it: the sweep and the timer book it CANCELED', async () => {
    const clientSn = newSn('cancel-open');
    const opened = await pay(deps(), payRequest(clientSn, '9300'));
    expect(opened.kind === 'created' && opened.found.order.order_status).toBe('CREATED');
    const killer = killedAfter('cancel');
    await runUntilKilled(killer, reverse(deps(killer.client), { client_sn: clientSn }, STORE, 'cancel', 'ann'));
    await expectMatchesBook(clientSn, 'CANCELED');
  });

  it('the timer worker itself, right after its cancel: the next wake-up books it CANCELED', async () => {
    const clientSn = newSn('timer-cancel');
    // Its wake-ups go nowhere: the deadline cancel is this test's to run.
    await pay({ ...deps(), timer: { schedule: async () => undefined } }, payRequest(clientSn, '9300'));
    await new Promise((resolve) => setTimeout(resolve, timing.payDeadlineMs));
    const killer = killedAfter('cancel');
    await runUntilKilled(killer, wakeAllDue(deps(killer.client)));
    await expectMatchesBook(clientSn, 'CANCELED');
  });
});

describe('a wake-up lost between the write and the send', () => {
  it('pay in progress, its Lambda dead before it scheduled the first poll: nothing wakes it until the sweep, which finds it overdue, and the timer books it PAID', async () => {
    const clientSn = newSn('lost-wake-up');
    const killer = killedAfter('pay');
    await runUntilKilled(killer, pay(deps(killer.client, { inRequestMs: 0 }), payRequest(clientSn, '9101')));
    const stored = await ledger.getOrder(orderIdFor(clientSn));
    const dueAt = stored?.order.work?.due_at ?? 0;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 200));
    await timer.drained();
    expect((await ledger.getOrder(orderIdFor(clientSn)))?.order).toMatchObject({ order_status: 'CREATED', work: { due_at: dueAt } });
    // Within the grace the sweep leaves it to its own wake-up; past it, it sends one.
    await sweep(deps(), { graceMs: 60_000, limitPerShard: 50 });
    await timer.drained();
    expect((await ledger.getOrder(orderIdFor(clientSn)))?.order.work?.due_at).toBe(dueAt);
    await expectMatchesBook(clientSn, 'PAID');
  });
});

describe('overlapping wake-ups', () => {
  it('send each due step once, on DynamoDB: the step is claimed by a conditional write before it is sent', async () => {
    const clientSn = newSn('overlap');
    const killer = killedAfter('pay');
    await runUntilKilled(killer, pay(deps(killer.client), payRequest(clientSn, '9300')));
    const found = await ledger.getOrder(orderIdFor(clientSn));
    if (!found?.order.work) throw new Error('setup: the order has no work');
    await ledger.updateOrder(found.order, { work: { ...found.order.work, due_at: Date.now() } });
    let queries = 0;
    const counting: PaymentDeps['upay'] = {
      ...killedAfter('pay', Infinity).client,
      query: (terminal, ref, options) => {
        if ('client_sn' in ref && ref.client_sn === clientSn) queries += 1;
        return upay.query(terminal, ref, options);
      },
    };
    await Promise.all(Array.from({ length: 4 }, () => wakeAllDue(deps(counting))));
    expect(queries).toBe(1);
  });
});

describe('an admin cancel racing a pay that has not reached the provider yet', () => {
  it('does not close the order on "no such order": the pay that arrives after it is cancelled, ledger and books alike', async () => {
    const clientSn = newSn('cancel-race');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const late: PaymentDeps['upay'] = {
      ...killedAfter('pay', Infinity).client,
      pay: async (...args: Parameters<UpayClient['pay']>) => {
        await gate;
        return upay.pay(...args);
      },
    };
    const paying = pay(deps(late), payRequest(clientSn));
    let recorded = await ledger.getOrder(orderIdFor(clientSn));
    for (let poll = 0; poll < 400 && !recorded; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      recorded = await ledger.getOrder(orderIdFor(clientSn));
    }
    // The cancel reaches the provider first: it has no such order yet.
    const canceled = await reverse(deps(), { order_id: orderIdFor(clientSn) }, STORE, 'cancel', 'admin');
    expect(canceled).toMatchObject({ kind: 'done', found: { order: { order_status: 'CREATED', reversal: 'cancel' } } });
    // Then the pay arrives, and the customer is charged.
    release();
    await paying;
    expect((await book(clientSn))?.order_status).toBe('PAID');
    await expectMatchesBook(clientSn, 'CANCELED');
  });
});
