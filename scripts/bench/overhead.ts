// Measurement 3: the CPU our own code spends per request. The real handlers run with every
// remote call answered in memory (aws-sdk-client-mock for the DocumentClient and Secrets
// Manager, a fetch stub running the sandbox's provider logic in-process), and
// process.cpuUsage() is read around each invocation; the fakes tally their own CPU (the
// mock's command matching included), which is subtracted. Every operation is warmed first
// (so V8 has optimised the code they share), then each is measured in turn from an empty
// ledger and provider (so the fakes' stored state stays small, as a Lambda's heap is). Beside
// the process CPU it records what explains a tail: a bound of the request thread's own CPU
// (min(CPU, wall) − fakes), garbage collections, and a profiled run (profile.ts).
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { UpayClient } from '../../lib/upay/index.js';
import { createDocumentClient } from '../../lib/store/client.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { installMemoryDynamo, MEMORY_STACK_ENV, MEMORY_TABLE } from './memory-dynamo.js';
import { installSecretsManagerFake } from './secrets-fake.js';
import { createProviderFake } from './provider-fake.js';
import { loadHandlers, expectStatus, wakeUp, type Handlers } from './handlers.js';
import { lambdaContext } from './events.js';
import { summarize, type Summary } from './stats.js';
import type { OverheadFunction } from './overhead-workers.js';
import { profileRequests, type ProfileResult } from './profile.js';
import { processCpuMs, calibrateClock, type ClockCalibration } from './cpu-clock.js';
import {
  BARCODE_PAID_AT_FIRST_QUERY,
  STORE_ID,
  nextClientSn,
  notifyEvent,
  payEvent,
  precreateEvent,
  queryEvent,
  refundEvent,
  reversalEvent,
} from './requests.js';

export interface OverheadInput {
  /** Which of OVERHEAD_FUNCTIONS to measure (overhead-workers.ts: one worker per memory size). */
  functions: readonly OverheadFunction[];
  /** Unmeasured invocations of every operation before any is measured. */
  warmup: number;
  /** Unmeasured invocations right before an operation's measured ones. */
  settle: number;
  iterations: number;
  /** Requests per operation run again under the CPU and heap profilers (0: none). */
  profileRequests: number;
}

export interface OperationOverhead {
  operation: string;
  function: OverheadFunction;
  /** The heap options this worker's node ran with (lambda-runtime.ts). */
  node_flags: string[];
  scenario: string;
  iterations: number;
  /** Our code by process.cpuUsage(): the invocation's CPU minus the fakes'. */
  cpu_ms: Summary;
  /** The whole invocation, fakes included. */
  cpu_gross_ms: Summary;
  wall_ms: Summary;
  /**
   * An upper bound of our code's CPU on the request's own thread: the smaller of the CPU
   * figure and the wall time minus the fakes' (one thread cannot use more than wall time).
   */
  request_path_ms: Summary;
  /** Share of invocations whose process CPU exceeded their wall time: other threads were working. */
  cpu_above_wall_share: number;
  /** Share of the measured invocations during which V8 collected garbage. */
  with_gc_share: number;
  /** Our code in the invocations without a garbage collection. */
  cpu_ms_without_gc: Summary;
  /** Garbage-collection pause time inside an invocation, over those that had one. */
  gc_pause_ms: Summary;
  /** Collections during the measured invocations, by kind. */
  gc_count: { minor: number; major: number; other: number };
  /** Where the time and the garbage go (a separate, profiled run). */
  profile?: ProfileResult;
}

export interface OverheadResult {
  log_level: string;
  metrics: 'enabled' | 'disabled';
  operations: OperationOverhead[];
  /** lib/api/qr.ts alone (the SVG of one QR code), for attributing precreate's time (with precreate). */
  qr_svg_cpu_ms?: Summary;
  /** process.cpuUsage() around busy loops of known length: the clock's own noise on this machine. */
  clock_calibration: ClockCalibration[];
}

type GcEntry = PerformanceEntry & { detail?: { kind?: number } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const GC_MINOR = 1;
const GC_MAJOR = 4;

export async function measureOverhead(input: OverheadInput): Promise<OverheadResult> {
  const provider = createProviderFake();
  const dynamo = installMemoryDynamo();
  const secrets = installSecretsManagerFake();
  const realFetch = globalThis.fetch;
  globalThis.fetch = provider.fetch;
  const gcPauses: GcEntry[] = [];
  const observer = new PerformanceObserver((list) => gcPauses.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    const upay = new UpayClient({ baseUrl: 'https://upay.bench.invalid', fetch: provider.fetch });
    const registry = new TerminalRegistry(createDocumentClient(), MEMORY_TABLE);
    /** An empty ledger and provider with one active terminal (its key in the fake Secrets Manager). */
    const freshTerminal = async () => {
      dynamo.clear();
      secrets.resetHistory();
      const code = provider.reset();
      const { vendor } = provider;
      const activated = await upay.activate({ sn: vendor.vendor_sn, key: vendor.vendor_key }, { app_id: vendor.app_id, code, device_id: 'bench-till' });
      if (activated.kind !== 'activated') throw new Error(`activation: ${activated.kind}`);
      const now = new Date().toISOString();
      await registry.register({ terminal_sn: activated.terminal_sn, store_id: STORE_ID, device_id: 'bench-till', status: 'active', activated_at: now, key_stored_at: now });
      secrets.store(`upay/terminals/${activated.terminal_sn}`, JSON.stringify({ terminal_sn: activated.terminal_sn, terminal_key: activated.terminal_key, device_id: 'bench-till' }));
      return activated.terminal_sn;
    };

    Object.assign(process.env, {
      ...MEMORY_STACK_ENV,
      UPAY_PUBLIC_KEY_PEM: provider.publicKeyPem,
      NOTIFY_URL: 'https://api.bench.invalid/v1/upay/notify',
      // Only so that an in-progress pay answers 202 at once and is due for the timer at once.
      // The request's lifetime stays as deployed: a pay held up past it is never sent.
      PAY_IN_REQUEST_MS: '0',
      POLL_INTERVAL_MS: '1',
    });
    delete process.env.KEY_STORE_FILE;
    delete process.env.DYNAMODB_ENDPOINT;
    const handlers: Handlers = await loadHandlers();
    const fakeCpu = () => dynamo.cpuMs() + provider.cpuMs() + secrets.cpuMs();
    const gcIn = (from: number, to: number) => gcPauses.filter((entry) => entry.startTime >= from && entry.startTime <= to);

    const pay = async (terminalSn: string, barcode?: string) => {
      const clientSn = nextClientSn('p');
      expectStatus(await handlers.pay(payEvent(terminalSn, clientSn, barcode), lambdaContext('pay')), barcode ? [202] : [200], 'pay');
      return clientSn;
    };
    const paidOrders = async (terminalSn: string, count: number) => {
      const out: string[] = [];
      for (let i = 0; i < count; i += 1) out.push(await pay(terminalSn));
      return out;
    };

    interface Operation<P> {
      name: string;
      fn: OverheadFunction;
      scenario: string;
      /** Runs once per pass, on a fresh ledger and provider; returns how to prepare (unmeasured) and invoke (measured). */
      setup(requests: number): Promise<{ prepare: (i: number) => Promise<P>; invoke: (prepared: P) => Promise<unknown> }>;
      profiled: boolean;
    }
    const operation = <P>(spec: Operation<P>) => spec as Operation<unknown>;
    const ALL_OPERATIONS = [
      operation({
        name: 'pay',
        fn: 'pay',
        scenario: 'barcode payment answered PAY_SUCCESS',
        profiled: true,
        async setup() {
          const terminalSn = await freshTerminal();
          return { prepare: async () => payEvent(terminalSn, nextClientSn('p')), invoke: async (event) => expectStatus(await handlers.pay(event, lambdaContext('pay')), [200], 'pay') };
        },
      }),
      operation({
        name: 'query',
        fn: 'query',
        scenario: 'GET /v1/orders/{order_id} of a final order',
        profiled: true,
        async setup() {
          const [final] = await paidOrders(await freshTerminal(), 1);
          return { prepare: async () => queryEvent(orderIdFor(final ?? '')), invoke: async (event) => expectStatus(await handlers.query(event, lambdaContext('query')), [200], 'query') };
        },
      }),
      ...(['refund', 'revoke', 'cancel'] as const).map((action) =>
        operation({
          name: action,
          fn: action,
          scenario: action === 'refund' ? 'full refund of a PAID order, REFUND_SUCCESS' : `${action} of a PAID order, CANCEL_SUCCESS`,
          profiled: true,
          async setup(requests) {
            const orders = await paidOrders(await freshTerminal(), requests);
            return {
              prepare: async (i) => (action === 'refund' ? refundEvent(orderIdFor(orders[i] ?? ''), 'r1') : reversalEvent(action, orderIdFor(orders[i] ?? ''))),
              invoke: async (event) => expectStatus(await handlers[action](event, lambdaContext(action)), [200], action),
            };
          },
        }),
      ),
      operation({
        name: 'notify',
        fn: 'notify',
        scenario: 'verified callback of a PAID order (re-query, nothing to change)',
        profiled: true,
        async setup(requests) {
          const orders = await paidOrders(await freshTerminal(), requests);
          return {
            prepare: async (i) => notifyEvent(provider.callbackFor(orders[i] ?? '')),
            invoke: async (event) => {
              const answer = await handlers.notify(event, lambdaContext('notify'));
              if (answer.body !== 'success') throw new Error(`notify: ${answer.statusCode} ${answer.body}`);
            },
          };
        },
      }),
      operation({
        name: 'timer step',
        fn: 'timer',
        scenario: 'a timer message for one due order: query → PAID, settled',
        profiled: false,
        async setup() {
          const terminalSn = await freshTerminal();
          return {
            prepare: async () => {
              const clientSn = await pay(terminalSn, BARCODE_PAID_AT_FIRST_QUERY);
              await sleep(2);
              return orderIdFor(clientSn);
            },
            invoke: async (orderId) => wakeUp(handlers, [{ order_id: orderId, due_at: 0 }], lambdaContext('timer', 2_000)),
          };
        },
      }),
      // Last: precreated orders stay open and soon fall due for the timer.
      operation({
        name: 'precreate',
        fn: 'precreate',
        scenario: 'QR order created (qr_code + SVG)',
        profiled: true,
        async setup() {
          const terminalSn = await freshTerminal();
          return { prepare: async () => precreateEvent(terminalSn, nextClientSn('q')), invoke: async (event) => expectStatus(await handlers.precreate(event, lambdaContext('precreate')), [201], 'precreate') };
        },
      }),
    ];
    const OPERATIONS = ALL_OPERATIONS.filter((spec) => input.functions.includes(spec.fn));

    // Pass 1 warms every operation (V8 tiers up code the operations share, on background
    // threads whose CPU process.cpuUsage() also counts); pass 2 measures each in turn.
    for (const spec of OPERATIONS) {
      const { prepare, invoke } = await spec.setup(input.warmup);
      for (let i = 0; i < input.warmup; i += 1) {
        dynamo.forgetCalls();
        await invoke(await prepare(i));
      }
    }
    const operations: OperationOverhead[] = [];
    for (const spec of OPERATIONS) {
      const total = input.settle + input.iterations;
      const { prepare, invoke } = await spec.setup(total + (spec.profiled ? input.profileRequests : 0));
      const runs: { net: number; gross: number; wall: number; path: number; from: number; to: number }[] = [];
      for (let i = 0; i < total; i += 1) {
        dynamo.forgetCalls();
        const prepared = await prepare(i);
        const fakeBefore = fakeCpu();
        const started = performance.now();
        const cpuBefore = processCpuMs();
        await invoke(prepared);
        const used = processCpuMs() - cpuBefore;
        const ended = performance.now();
        if (i < input.settle) continue;
        const fake = fakeCpu() - fakeBefore;
        const wall = ended - started;
        runs.push({ net: Math.max(0, used - fake), gross: used, wall, path: Math.max(0, Math.min(used, wall) - fake), from: started, to: ended });
      }
      // GC entries arrive asynchronously: let the observer catch up before reading them.
      await sleep(20);
      const pauses = runs.map((run) => gcIn(run.from, run.to));
      const pauseMs = pauses.map((entries) => entries.reduce((sum, entry) => sum + entry.duration, 0));
      const kinds = pauses.flat().map((entry) => entry.detail?.kind ?? 0);
      let profile: ProfileResult | undefined;
      if (spec.profiled && input.profileRequests > 0) {
        const prepared: unknown[] = [];
        for (let i = 0; i < input.profileRequests; i += 1) prepared.push(await prepare(total + i));
        dynamo.forgetCalls();
        profile = await profileRequests(input.profileRequests, async () => {
          for (const one of prepared) await invoke(one);
        });
      }
      operations.push({
        operation: spec.name,
        function: spec.fn,
        node_flags: process.execArgv.filter((flag) => flag.startsWith('--max-')),
        scenario: spec.scenario,
        iterations: runs.length,
        cpu_ms: summarize(runs.map((run) => run.net)),
        cpu_gross_ms: summarize(runs.map((run) => run.gross)),
        wall_ms: summarize(runs.map((run) => run.wall)),
        request_path_ms: summarize(runs.map((run) => run.path)),
        cpu_above_wall_share: Math.round((runs.filter((run) => run.gross > run.wall + 0.05).length / runs.length) * 1000) / 1000,
        with_gc_share: Math.round((pauseMs.filter((ms) => ms > 0).length / runs.length) * 1000) / 1000,
        cpu_ms_without_gc: summarize(runs.filter((_, i) => pauseMs[i] === 0).map((run) => run.net)),
        gc_pause_ms: summarize(pauseMs.filter((ms) => ms > 0)),
        gc_count: { minor: kinds.filter((kind) => kind === GC_MINOR).length, major: kinds.filter((kind) => kind === GC_MAJOR).length, other: kinds.filter((kind) => kind !== GC_MINOR && kind !== GC_MAJOR).length },
        ...(profile ? { profile } : {}),
      });
    }

    const qr: number[] = [];
    if (input.functions.includes('precreate')) {
      const { qrPictures } = await import('../../lib/api/qr.js');
      const qrValue = (i: number) => `https://qr.upay-sandbox.invalid/${(i * 7919).toString(16).padStart(24, '0')}`;
      for (let i = 0; i < input.warmup + input.iterations; i += 1) {
        const before = processCpuMs();
        await qrPictures(qrValue(i), false);
        if (i >= input.warmup) qr.push(processCpuMs() - before);
      }
    }

    return {
      log_level: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO (Powertools default)',
      metrics: process.env.POWERTOOLS_METRICS_DISABLED === 'true' ? 'disabled' : 'enabled',
      operations,
      ...(qr.length > 0 ? { qr_svg_cpu_ms: summarize(qr) } : {}),
      clock_calibration: [calibrateClock(0.2, 1000), calibrateClock(1, 300)],
    };
  } finally {
    observer.disconnect();
    globalThis.fetch = realFetch;
    dynamo.restore();
    secrets.restore();
  }
}
