// Measurement 5: the daily fleet check-in (lib/terminals/fleet.ts) over a real
// TerminalRegistry on DynamoDB Local and the real UpayClient against the sandbox (on a thread
// of its own), every provider answer delayed by an injected fault. Runs, on the same
// activated fleet, each on the next "day" (so every terminal is due again):
//  1. as deployed: paced at the configured Secrets Manager writes/s, keys in Secrets
//     Manager through the real adapter (mocked SDK client with a modelled service latency),
//     for a window of one invocation (its rate is the pacer's: a longer run only repeats it);
//  2. unpaced, the key store answering instantly (in memory), at the configured concurrency,
//     over the whole fleet;
//  3. the floor of 2: a bare loop of provider check-ins and key writes (the same client and
//     in-memory store, no registry, no leases) at the same concurrency.
import { createTable, localDocumentClient, LOCAL_AWS } from '../../local/dynamodb.js';
import { UpayClient } from '../../lib/upay/index.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { SecretsManagerKeyStore, createSecretsManagerClient, type KeyStore, type TerminalKey } from '../../lib/keys/index.js';
import { checkInFleet, type FleetReport } from '../../lib/terminals/fleet.js';
import { pacer } from '../../lib/terminals/pacer.js';
import { loadConfig } from '../../lib/api/config.js';
import { silentTelemetry } from '../../lib/telemetry.js';
import { installSecretsManagerFake } from './secrets-fake.js';
import { MemoryKeyStore } from './memory-keys.js';
import { round } from './stats.js';
import { startSandboxThread } from './sandbox-thread.js';

export interface FleetInput {
  dynamoEndpoint: string;
  terminals: number;
  /** Injected provider latency (sandbox `delay` fault on /terminal/checkin, no count). */
  delayMs: number;
  /** Modelled Secrets Manager answer time in the paced run. */
  secretsLatencyMs: number;
  activationConcurrency: number;
  /** How long the paced run takes check-ins (it then finishes those in flight and stops). */
  pacedWindowSeconds: number;
}

export interface FleetRun {
  name: string;
  key_store: string;
  paced_writes_per_second: number | null;
  concurrency: number;
  terminals: number;
  seconds: number;
  terminals_per_second: number;
  report: FleetReport;
  /** Secrets Manager writes (PutSecretValue) seen by the mocked client, paced run only. */
  secrets_writes?: { total: number; max_in_any_second: number; mean_per_second: number; first_to_last_per_second: number };
  provider_checkins: number;
}

/** Provider check-ins and key writes alone, as fast as the concurrency allows. */
export interface BareLoop {
  concurrency: number;
  terminals: number;
  seconds: number;
  terminals_per_second: number;
  failed: number;
}

export interface FleetResult {
  terminals: number;
  delay_ms: number;
  secrets_latency_ms: number;
  /** The options functions/checkin-fleet.ts passes, with lib/api/config.ts defaults. */
  configured: { concurrency: number; writes_per_second: number; page_size: number; reserve_ms: number };
  activation: { seconds: number; per_second: number; how: string };
  runs: FleetRun[];
  bare_loop: BareLoop;
}

const DAY_MS = 24 * 3_600_000;
// As functions/checkin-fleet.ts: a check-in's worst case, once a day with slack, pages of 100.
const RESERVE_MS = 30_000;
const MIN_INTERVAL_MS = DAY_MS - 2 * 3_600_000;
const PAGE_SIZE = 100;
const LAMBDA_BUDGET_MS = 900_000;

/** Most events in any one-second window. */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to += 1) {
    while ((sorted[to] as number) - (sorted[from] as number) >= 1000) from += 1;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

async function control(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, { method, signal: AbortSignal.timeout(10_000), headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`sandbox control ${method} ${path}: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Every terminal checked in at the provider and its new key written, `concurrency` at a time. */
async function checkinLoop(upay: UpayClient, keys: KeyStore, terminals: TerminalKey[], concurrency: number, timeoutMs: number): Promise<BareLoop> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    for (let one = terminals[next++]; one !== undefined; one = terminals[next++]) {
      const current = await keys.current(one.terminal_sn);
      const outcome = await upay.checkin({ sn: current.terminal_sn, key: current.terminal_key }, { device_id: current.device_id }, { timeoutMs });
      if (outcome.kind === 'checked_in') await keys.rotate({ ...current, terminal_key: outcome.terminal_key });
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { concurrency, terminals: terminals.length, seconds: round(seconds, 2), terminals_per_second: round((terminals.length - failed) / seconds, 1), failed };
}

export async function measureFleet(input: FleetInput): Promise<FleetResult> {
  const config = loadConfig({ TABLE_NAME: 'bench', UPAY_BASE_URL: 'http://127.0.0.1' });
  const tableName = `bench-fleet-${Date.now()}`;
  await createTable(input.dynamoEndpoint, tableName);
  const sandbox = await startSandboxThread({ port: 0, notifyRetryDelaysMs: [] });
  const secrets = installSecretsManagerFake({ latencyMs: input.secretsLatencyMs });
  const db = localDocumentClient(input.dynamoEndpoint);
  try {
    const registry = new TerminalRegistry(db, tableName);
    const upay = new UpayClient({ baseUrl: sandbox.url, timeoutMs: config.PROVIDER_TIMEOUT_MS });
    const { vendor } = sandbox;

    // Activation: one control-API code with a use per terminal; each terminal activated at the
    // sandbox, its key stored, then registered (a few at a time, before any fault is set).
    const { code } = (await control(sandbox.url, 'POST', 'activation-codes', { uses: input.terminals, store_id: 'bench-fleet' })) as { code: string };
    const activationStarted = performance.now();
    let nextDevice = 0;
    const keys: TerminalKey[] = [];
    const activator = async () => {
      while (nextDevice < input.terminals) {
        const deviceId = `fleet-${(nextDevice += 1)}`;
        const outcome = await upay.activate({ sn: vendor.vendor_sn, key: vendor.vendor_key }, { app_id: vendor.app_id, code, device_id: deviceId });
        if (outcome.kind !== 'activated') throw new Error(`activation of ${deviceId}: ${outcome.kind}`);
        const key = { terminal_sn: outcome.terminal_sn, terminal_key: outcome.terminal_key, device_id: deviceId };
        secrets.store(`upay/terminals/${key.terminal_sn}`, JSON.stringify(key));
        keys.push(key);
        const now = new Date().toISOString();
        await registry.register({ terminal_sn: key.terminal_sn, store_id: 'bench-fleet', device_id: deviceId, status: 'active', activated_at: now, key_stored_at: now });
      }
    };
    await Promise.all(Array.from({ length: input.activationConcurrency }, activator));
    const activationSeconds = (performance.now() - activationStarted) / 1000;

    await control(sandbox.url, 'POST', 'faults', { kind: 'delay', delay_ms: input.delayMs, path: '/terminal/checkin' });
    const runs: FleetRun[] = [];
    const run = async (name: string, keyStore: KeyStore, keyStoreName: string, perSecond: number | null, concurrency: number, day: number, windowMs = LAMBDA_BUDGET_MS - RESERVE_MS) => {
      const checkinsBefore = ((await control(sandbox.url, 'GET', 'stats')).by_path as Record<string, number>)['/terminal/checkin'] ?? 0;
      const writesFrom = secrets.calls.length;
      const started = performance.now();
      const deps = { upay, keys: keyStore, registry, telemetry: silentTelemetry, now: () => Date.now() + day * DAY_MS, providerTimeoutMs: config.PROVIDER_TIMEOUT_MS };
      const total: FleetReport = { checked_in: 0, failed: 0, unconfirmed: 0, parked: 0, skipped: 0, interrupted_activations: 0, keys_scheduled_for_deletion: 0 };
      let cursor: string | undefined;
      // One Lambda invocation's budget per round; the real function hands its cursor on the same way.
      // A run with a shorter window stops after one round.
      const rounds = windowMs < LAMBDA_BUDGET_MS - RESERVE_MS ? 1 : 10;
      for (let round = 0; round < rounds; round += 1) {
        const invocationStarted = performance.now();
        const report = await checkInFleet(deps, {
          ...(cursor !== undefined ? { cursor } : {}),
          concurrency,
          pacer: pacer(perSecond ?? Number.POSITIVE_INFINITY),
          remainingMs: () => windowMs + RESERVE_MS - (performance.now() - invocationStarted),
          reserveMs: RESERVE_MS,
          minIntervalMs: MIN_INTERVAL_MS,
          pageSize: PAGE_SIZE,
        });
        for (const field of ['checked_in', 'failed', 'unconfirmed', 'parked', 'skipped'] as const) total[field] += report[field];
        cursor = report.cursor;
        if (cursor === undefined) break;
      }
      const seconds = (performance.now() - started) / 1000;
      const checkinsAfter = ((await control(sandbox.url, 'GET', 'stats')).by_path as Record<string, number>)['/terminal/checkin'] ?? 0;
      const writes = secrets.calls.slice(writesFrom).filter((call) => call.operation === 'PutSecretValue').map((call) => call.at);
      runs.push({
        name,
        key_store: keyStoreName,
        paced_writes_per_second: perSecond,
        concurrency,
        terminals: total.checked_in + total.failed + total.unconfirmed + total.parked,
        seconds: round(seconds, 2),
        terminals_per_second: round(total.checked_in / seconds, 1),
        report: total,
        ...(writes.length > 1 ? { secrets_writes: { total: writes.length, max_in_any_second: maxPerSecond(writes), mean_per_second: round(writes.length / seconds, 1), first_to_last_per_second: round(((writes.length - 1) * 1000) / (Math.max(...writes) - Math.min(...writes)), 1) } } : {}),
        provider_checkins: checkinsAfter - checkinsBefore,
      });
      console.error(`bench: fleet ${name}: ${total.checked_in} checked in, ${round(seconds, 1)} s`);
    };

    const secretsStore = new SecretsManagerKeyStore({
      client: createSecretsManagerClient({ region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials }),
      prefix: 'upay',
      vendorSecretId: 'upay/vendor',
    });
    await run('paced', secretsStore, `Secrets Manager adapter (mocked client, ${input.secretsLatencyMs} ms per call)`, config.CHECKIN_WRITES_PER_SECOND, config.CHECKIN_CONCURRENCY, 1, input.pacedWindowSeconds * 1000);

    // The keys as the paced run left them (rotated once), in a store that answers at once.
    const memory = new MemoryKeyStore(vendor);
    for (const key of keys) {
      const stored = secrets.current(`upay/terminals/${key.terminal_sn}`);
      await memory.create(stored ? (JSON.parse(stored) as TerminalKey) : key);
    }
    await run('unpaced', memory, 'in memory (instant)', null, config.CHECKIN_CONCURRENCY, 2);
    const bareLoop = await checkinLoop(upay, memory, keys, config.CHECKIN_CONCURRENCY, config.PROVIDER_TIMEOUT_MS);
    console.error(`bench: fleet bare loop: ${bareLoop.terminals - bareLoop.failed} checked in, ${bareLoop.seconds} s`);

    return {
      terminals: input.terminals,
      delay_ms: input.delayMs,
      secrets_latency_ms: input.secretsLatencyMs,
      configured: { concurrency: config.CHECKIN_CONCURRENCY, writes_per_second: config.CHECKIN_WRITES_PER_SECOND, page_size: PAGE_SIZE, reserve_ms: RESERVE_MS },
      activation: { seconds: round(activationSeconds, 2), per_second: round(input.terminals / activationSeconds, 1), how: 'UpayClient.activate at the sandbox + TerminalRegistry.register, 1 control-API code' },
      runs,
      bare_loop: bareLoop,
    };
  } finally {
    await control(sandbox.url, 'DELETE', 'faults').catch(() => undefined);
    db.destroy();
    secrets.restore();
    await sandbox.close();
  }
}
