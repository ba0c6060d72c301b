// Why a budget failed, in words, from the figures the bench measured (so the text follows
// the numbers of the run it describes), with the change proposed for each cause.
import { LIMITS, type Budget, type Measured } from './budgets.js';
import { round } from './stats.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export function findings(measured: Measured, budgets: Budget[]): string[] {
  const out: string[] = [];
  const failed = (prefix: string) => budgets.some((budget) => budget.name.startsWith(prefix) && !budget.pass);

  const cold = measured.cold_start;
  if (cold && failed('module initialisation')) {
    const floor = cold.floor.init.median_ms;
    const common = cold.externals.find((set) => set.specifiers.length === 3) ?? cold.externals[0];
    const fleetSet = cold.externals.find((set) => set.specifiers.includes('@aws-sdk/client-lambda'));
    const pay = cold.functions.find((one) => one.name === 'pay');
    const sdkRatios = cold.functions.map((one) => one.sdk_bundled.ratio_to_floor);
    const sdkSizes = cold.functions.map((one) => one.sdk_bundled.bytes);
    const zodMs = pay?.profile?.by_source.find((entry) => entry.source === 'bundle: zod')?.ms;
    const loaderMs = pay?.profile?.by_source.find((entry) => entry.source.startsWith('node internals'))?.ms;
    const top = common?.loaded.by_package.slice(0, 4).map((entry) => `${entry.package} ${entry.files} files/${entry.kb} KB`).join(', ');
    out.push(
      `Module initialisation (${cold.functions.filter((one) => one.ratio_to_floor > LIMITS.initFactor).length} of ${cold.functions.length} over ${LIMITS.initFactor}×): ` +
        `the cost is the AWS SDK the runtime provides, not our bundle. Every function imports @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb ` +
        `(lib/store/client.ts, lib/store/ledger.ts, lib/store/terminal-registry.ts) and @aws-sdk/client-secrets-manager (lib/keys/secrets-manager.ts, ` +
        `built by lib/api/context.ts); a fresh process importing only those takes ${common?.init.median_ms} ms (${round((common?.init.median_ms ?? 0) / floor, 2)}× the ${floor} ms floor) ` +
        `and loads ${common?.loaded.files} CommonJS files, ${common?.loaded.kb} KB (${top}). pay takes ${pay?.init.median_ms} ms in all, so its own ` +
        `${kb(pay?.bytes ?? 0)} bundle adds only ~${round((pay?.init.median_ms ?? 0) - (common?.init.median_ms ?? 0), 1)} ms` +
        (zodMs !== undefined ? ` (the profile puts ~${zodMs} ms of it in zod, building the schemas of lib/api/config.ts and lib/api/schemas/* at import; ${loaderMs} ms of the profiled import is Node's module loader reading and compiling the SDK files)` : '') +
        `. No change inside the bundle can reach ${LIMITS.initFactor}× while the SDK is loaded from node_modules.`,
    );
    out.push(
      `Proposed (infra/bundling.ts): bundle the SDK clients into each function (\`external: []\`, measured here): init falls to ${Math.min(...sdkRatios)}–${Math.max(...sdkRatios)}× the floor ` +
        `(${sdkRatios.filter((ratio) => ratio <= LIMITS.initFactor).length} of ${sdkRatios.length} within ${LIMITS.initFactor}×), ` +
        `about ${round((pay?.init.median_ms ?? 0) - (pay?.sdk_bundled.init.median_ms ?? 0), 0)} ms less for pay, but the bundles grow to ${kb(Math.min(...sdkSizes))}–${kb(Math.max(...sdkSizes))}, over the ${kb(LIMITS.bundleBytes)} budget; ` +
        `so either raise BUNDLE_BUDGET_BYTES to ~${Math.ceil(Math.max(...sdkSizes) / 1024 / 50) * 50} KB with it, or trim what the default credential chain drags in (@aws-sdk/nested-clients, ` +
        `the SSO/ini/IMDS providers: never used on Lambda, where credentials come from the environment) by marking those external. Then zod (~${kb(pay?.by_source.find((entry) => entry.source === 'zod')?.bytes ?? 0)} of every bundle) is the next item: ` +
        `zod/mini, or building the schemas lazily, would cut size and init further. If the SDK is to stay external, the init budget has to be about ${Math.ceil(Math.max(...cold.functions.map((one) => one.ratio_to_floor)) * 2) / 2}×.`,
    );
    if (fleetSet && common) {
      out.push(
        `checkin-fleet also imports @aws-sdk/client-lambda at load (lib/api/continuation.ts), used only when a run hands its cursor on: its externals take ${fleetSet.init.median_ms} ms vs ${common.init.median_ms} ms. ` +
          `Proposed: import it inside continueAsync (\`await import('@aws-sdk/client-lambda')\`).`,
      );
    }
  }

  const overhead = measured.overhead;
  if (overhead && failed('handler overhead')) {
    const over = overhead.operations.filter((one) => one.cpu_ms.p99 > LIMITS.overheadP99Ms || one.request_path_ms.p99 > LIMITS.overheadP99Ms);
    const worstPath = Math.max(...overhead.operations.map((one) => one.request_path_ms.p99));
    out.push(
      `Handler overhead: by process.cpuUsage() the p99 of ${over.map((one) => `${one.operation} (${one.cpu_ms.p99} ms, p50 ${one.cpu_ms.p50})`).join(', ')} is over ${LIMITS.overheadP99Ms} ms, but that clock counts every thread of the process: ` +
        `in ${over.map((one) => `${round(one.cpu_above_wall_share * 100, 1)}%`).join(', ')} of their invocations the process used more CPU than the invocation lasted, i.e. V8's background threads (concurrent marking and sweeping after the ` +
        `${over.map((one) => one.gc_count.minor + one.gc_count.major).join(', ')} collections per ${over[0]?.iterations ?? 0} requests, and the optimising compiler) were working, and their time lands in whichever request they overlap. ` +
        `Bounded by the request's own thread (the smaller of its CPU and its wall time, minus the fakes) the worst p99 of any operation is ${worstPath} ms` +
        (worstPath <= LIMITS.overheadP99Ms ? ', within the budget' : '') +
        `. Which operations cross the line changes from run to run; the medians do not. Part of the garbage is the test doubles' own (aws-sdk-client-mock/sinon record and match every call), so in Lambda the background share is smaller, but not nil: ` +
        `our code allocates ${overhead.operations.filter((one) => one.profile).map((one) => `${one.operation} ${one.profile?.ours_allocated_kb_per_request} KB`).join(', ')} per request.`,
    );
    for (const one of over) {
      const ours = (one.profile?.allocation ?? []).filter((entry) => !entry.fake && !entry.where.startsWith('(')).slice(0, 4);
      const cpu = (one.profile?.cpu ?? []).filter((entry) => !entry.fake).slice(0, 4);
      if (!one.profile) continue;
      out.push(
        `${one.operation}: request thread p50 ${one.request_path_ms.p50} / p99 ${one.request_path_ms.p99} ms, wall p99 ${one.wall_ms.p99} ms; ` +
          `it allocates ~${one.profile.ours_allocated_kb_per_request} KB per request, most in ${ours.map((entry) => `${entry.where} ${entry.per_request} KB`).join(', ')}; ` +
          `its CPU goes to ${cpu.map((entry) => `${entry.where} ${entry.per_request} ms`).join(', ')} (profiled run, slower than unprofiled).`,
      );
    }
    if (over.some((one) => one.operation === 'precreate')) {
      out.push(
        `precreate renders the QR picture on every request (lib/api/qr.ts, qrcode + dijkstrajs): ${overhead.qr_svg_cpu_ms.p50} ms p50 / ${overhead.qr_svg_cpu_ms.p99} ms p99 alone, its largest CPU and garbage item. ` +
          `Proposed: pass the value as one byte-mode segment (\`QRCode.toString([{ data: Buffer.from(value), mode: 'byte' }], …)\`: no optimal-segmentation search, so no dijkstrajs graph; measured ${overhead.qr_svg_byte_segment_cpu_ms.p50} ms p50 / ${overhead.qr_svg_byte_segment_cpu_ms.p99} ms p99), ` +
          `or render the picture only when asked for and let the app draw qr_code.`,
      );
    }
    out.push(
      `On Node ≥ 23.9 (the Lambda runtime is nodejs24.x) process.threadCpuUsage() measures the request's thread alone; Node 20 on this machine has no such clock (Linux's per-thread schedstat only advances at ticks and kernel entries, so it cannot time 0.1 ms of JavaScript).`,
    );
  }

  const fleet = measured.fleet;
  const unpaced = fleet?.runs.find((run) => run.name === 'unpaced');
  if (fleet && unpaced && failed('fleet check-in, unpaced')) {
    const perCheckinMs = round((unpaced.seconds * 1000 * unpaced.concurrency) / unpaced.terminals, 1);
    const proposed = fleet.runs.find((run) => run.name.startsWith('unpaced, proposed'));
    out.push(
      `Fleet check-in, unpaced: ${unpaced.terminals_per_second} terminals/s is the concurrency ceiling, not a slow path. functions/checkin-fleet.ts passes CHECKIN_CONCURRENCY (lib/api/config.ts, default ${fleet.configured.concurrency}) ` +
        `to checkInFleet (lib/terminals/fleet.ts), and each check-in holds a worker for ~${perCheckinMs} ms (lease UpdateItem, the ${fleet.delay_ms} ms provider check-in, the key write, finishCheckin UpdateItem), ` +
        `so at most ${fleet.configured.concurrency} / ${perCheckinMs} ms ≈ ${round((fleet.configured.concurrency * 1000) / perCheckinMs, 0)} terminals/s; ${LIMITS.fleetUnpacedPerSecond}/s needs ≥ ${Math.ceil((LIMITS.fleetUnpacedPerSecond * perCheckinMs) / 1000)} in flight. ` +
        (proposed ? `The same run at concurrency ${proposed.concurrency} reached ${proposed.terminals_per_second} terminals/s (${proposed.report.checked_in} checked in, ${proposed.report.failed} failed). ` : '') +
        `Proposed: default CHECKIN_CONCURRENCY to ${proposed?.concurrency ?? 32}; the pacer, not the concurrency, is what keeps Secrets Manager at ${fleet.configured.writes_per_second} writes/s (the paced run shows it holds). ` +
        `Smaller: runPage waits for a whole page of ${fleet.configured.page_size} before listing the next, so every page ends with workers idle for up to one check-in.`,
    );
  }

  for (const budget of budgets) {
    if (budget.pass) continue;
    if (/^(module initialisation|handler overhead|fleet check-in, unpaced)/.test(budget.name)) continue;
    out.push(`${budget.name}: ${budget.measured} (budget ${budget.limit}); see the tables above for the detail.`);
  }
  return out;
}
