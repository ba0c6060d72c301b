// Measurement: the step timer's precision at volume (issue 14). 10,000 payments are opened at
// a steady rate and left in progress (the provider answering every call in 200 ms), all open at
// once; the timer's local stand-in (lib/timer/local.ts) feeds the worker's code (the batch the
// `timer` handler runs), on the in-memory DynamoDB, until every order was cancelled at its deadline. Lateness is measured where it matters, at the
// provider: each poll against the due time of the wake-up that made it, each deadline cancel
// against the order's deadline. What the stand-in does not model, SQS itself, is stated as an
// allowance added to the figure (TIMER_SQS_ALLOWANCE_MS).
import { UpayClient } from '../../lib/upay/index.js';
import { createDocumentClient } from '../../lib/store/client.js';
import { Ledger } from '../../lib/store/ledger.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { localStepTimer } from '../../lib/timer/index.js';
import { appContext } from '../../lib/api/context.js';
import { pay } from '../../lib/payments/pay.js';
import { advanceBatch } from '../../lib/payments/reconcile.js';
import { installMemoryDynamo, MEMORY_STACK_ENV, MEMORY_TABLE } from './memory-dynamo.js';
import { installSecretsManagerFake } from './secrets-fake.js';
import { createProviderFake } from './provider-fake.js';
import { summarize, type Summary } from './stats.js';
import { AMOUNT, nextClientSn, STORE_ID } from './requests.js';
import { TIMER_SQS_ALLOWANCE_MS } from './timer-judge.js';

export interface TimerInput {
  orders: number;
  providerDelayMs: number;
  /** The orders are opened at a steady rate over this long (a pay every openOverMs / orders). */
  openOverMs: number;
  pollIntervalMs: number;
  payDeadlineMs: number;
}

export interface TimerResult {
  orders: number;
  provider_delay_ms: number;
  poll_interval_ms: number;
  pay_deadline_ms: number;
  /** Orders open at once when the last one was opened. */
  open_at_once: number;
  /** Provider queries by the timer, and how late each was against its wake-up's due time. */
  polls: number;
  poll_lateness_ms: Summary;
  /** Deadline cancels, and how late each was against its order's deadline. */
  cancels: number;
  deadline_cancel_lateness_ms: Summary;
  /** Steps running at once at most (Lambda concurrency, with one message per invocation). */
  steps_at_once_max: number;
  /**
   * This process's CPU per timer provider call once every order was open (the worker, the fakes,
   * the stand-in): in-process every step shares one core, in Lambda each has its own.
   */
  cpu_ms_per_provider_call: number;
  /** Wake-ups given up after their redeliveries (should be none). */
  dead_letters: number;
  sqs_allowance_ms: typeof TIMER_SQS_ALLOWANCE_MS;
  wall_seconds: number;
}

const BARCODE_IN_PROGRESS_FOREVER = '280000000000009300';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureTimer(input: TimerInput): Promise<TimerResult> {
  const started = Date.now();
  const provider = createProviderFake();
  const dynamo = installMemoryDynamo();
  // The mock records every call; over hundreds of thousands of calls that record alone slows every call.
  const forget = setInterval(() => dynamo.forgetCalls(), 1_000);
  const secrets = installSecretsManagerFake();
  const dueOf = new Map<string, number>();
  /** The provider's order number → our order id: a poll asks by sn once the provider numbered the order. */
  const orderOfSn = new Map<string, string>();
  const deadlineOf = new Map<string, number>();
  const pollLateness: number[] = [];
  const cancelLateness: number[] = [];
  // The provider, 200 ms a call; the timer's polls and cancels timed as they arrive.
  const slowFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(typeof url === 'string' ? url : url instanceof URL ? url.href : url.url).pathname;
    if (path.endsWith('/query') || path.endsWith('/cancel')) {
      const request = JSON.parse(Buffer.from(init?.body as Uint8Array).toString('utf8')) as { client_sn?: string; sn?: string };
      const orderId = request.sn !== undefined ? (orderOfSn.get(request.sn) ?? '') : orderIdFor(String(request.client_sn));
      const now = Date.now();
      if (path.endsWith('/query')) pollLateness.push(now - (dueOf.get(orderId) ?? now));
      else cancelLateness.push(now - (deadlineOf.get(orderId) ?? now));
    }
    await sleep(input.providerDelayMs);
    return provider.fetch(url, init);
  }) as typeof fetch;
  globalThis.fetch = slowFetch;

  const upay = new UpayClient({ baseUrl: 'https://upay.bench.invalid', fetch: provider.fetch });
  const db = createDocumentClient();
  const code = provider.reset();
  const { vendor } = provider;
  const activated = await upay.activate({ sn: vendor.vendor_sn, key: vendor.vendor_key }, { app_id: vendor.app_id, code, device_id: 'bench-till' });
  if (activated.kind !== 'activated') throw new Error(`activation: ${activated.kind}`);
  const at = new Date().toISOString();
  await new TerminalRegistry(db, MEMORY_TABLE).register({ terminal_sn: activated.terminal_sn, store_id: STORE_ID, device_id: 'bench-till', status: 'active', activated_at: at, key_stored_at: at });
  secrets.store(`upay/terminals/${activated.terminal_sn}`, JSON.stringify({ terminal_sn: activated.terminal_sn, terminal_key: activated.terminal_key, device_id: 'bench-till' }));

  Object.assign(process.env, {
    ...MEMORY_STACK_ENV,
    PAY_IN_REQUEST_MS: '0',
    POLL_INTERVAL_MS: String(input.pollIntervalMs),
    PAY_DEADLINE_MS: String(input.payDeadlineMs),
  });
  for (const name of ['KEY_STORE_FILE', 'DYNAMODB_ENDPOINT', 'TIMER_QUEUE_URL', 'NOTIFY_URL']) delete process.env[name];
  const deps = appContext().paymentDeps;
  const worker = advanceBatch(deps);

  let running = 0;
  let most = 0;
  localStepTimer.onDelivered = (item) => dueOf.set(item.order_id, item.due_at);
  localStepTimer.attach(async (bodies) => {
    running += 1;
    most = Math.max(most, running);
    try {
      return await worker(bodies);
    } finally {
      running -= 1;
    }
  });

  try {
    // Open the orders at a steady rate, as pays arrive: each answers in progress and schedules its first poll.
    const ledger = new Ledger(db, MEMORY_TABLE);
    const open = async (clientSn: string) => {
      const request = { client_sn: clientSn, total_amount: AMOUNT, dynamic_id: BARCODE_IN_PROGRESS_FOREVER, subject: 'Jasmine tea', operator: 'ann' };
      const result = await pay(deps, { store_id: STORE_ID, terminal_sn: activated.terminal_sn, request });
      const opened = result.kind === 'created' ? (await ledger.getOrder(result.found.order.order_id))?.order : undefined;
      if (opened?.work === undefined) throw new Error(`${clientSn} is not open`);
      deadlineOf.set(opened.order_id, opened.work.deadline_at);
      if (opened.sn !== undefined) orderOfSn.set(opened.sn, opened.order_id);
    };
    const opening: Promise<void>[] = [];
    const openStarted = Date.now();
    for (let i = 0; i < input.orders; i += 1) {
      const at = openStarted + (i * input.openOverMs) / input.orders;
      if (at > Date.now()) await sleep(at - Date.now());
      opening.push(open(nextClientSn('t')));
    }
    await Promise.all(opening);
    const openAtOnce = input.orders - cancelLateness.length;
    const cpuFrom = process.cpuUsage();
    const stepsFrom = pollLateness.length + cancelLateness.length;

    // Every order is cancelled at its deadline; wait for the last cancel (bounded by the deadline).
    const until = Date.now() + input.payDeadlineMs + 60_000;
    while (cancelLateness.length < input.orders && Date.now() < until) await sleep(250);
    await localStepTimer.stop();
    const cpu = process.cpuUsage(cpuFrom);
    const steps = pollLateness.length + cancelLateness.length - stepsFrom;
    return {
      orders: input.orders,
      provider_delay_ms: input.providerDelayMs,
      poll_interval_ms: input.pollIntervalMs,
      pay_deadline_ms: input.payDeadlineMs,
      open_at_once: openAtOnce,
      polls: pollLateness.length,
      poll_lateness_ms: summarize(pollLateness, 0),
      cancels: cancelLateness.length,
      deadline_cancel_lateness_ms: summarize(cancelLateness, 0),
      steps_at_once_max: most,
      cpu_ms_per_provider_call: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, steps)) * 100) / 100,
      dead_letters: localStepTimer.deadLetters.length,
      sqs_allowance_ms: TIMER_SQS_ALLOWANCE_MS,
      wall_seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    clearInterval(forget);
    localStepTimer.attach(undefined);
  }
}
