// Why a budget failed, in words, from the figures the bench measured (so the text follows
// the numbers of the run it describes).
import { LIMITS, type Budget, type Measured } from './budgets.js';
import { round } from './stats.js';

export function findings(measured: Measured, budgets: Budget[]): string[] {
  const out: string[] = [];
  const failed = (prefix: string) => budgets.some((budget) => budget.name.startsWith(prefix) && !budget.pass);

  const cold = measured.cold_start;
  if (cold && failed('module initialisation')) {
    const over = cold.functions.filter((one) => one.ratio_to_floor > LIMITS.initFactor);
    out.push(
      `Module initialisation (${over.length} of ${cold.functions.length} over ${LIMITS.initFactor}× the ${cold.floor.init.median_ms} ms floor): ` +
        over
          .map((one) => `${one.name} ${one.init.median_ms} ms, ${one.ratio_to_floor}×${one.profile ? ` (profiled import ${one.profile.profiled_ms} ms: ${one.profile.by_source.slice(0, 5).map((entry) => `${entry.source} ${entry.ms}`).join(', ')})` : ''}`)
          .join('; ') +
        '. "node internals" is Node reading and compiling the bundle and the built-in modules it loads; "bundle: x" is module x running its top level.',
    );
  }

  const overhead = measured.overhead;
  if (overhead && failed('handler overhead')) {
    const over = overhead.operations.filter((one) => one.request_path_ms.p99 > LIMITS.overheadP99Ms);
    for (const one of over) {
      const ours = (one.profile?.allocation ?? []).filter((entry) => !entry.fake && !entry.where.startsWith('(')).slice(0, 4);
      const cpu = (one.profile?.cpu ?? []).filter((entry) => !entry.fake).slice(0, 4);
      out.push(
        `${one.operation}: request thread p50 ${one.request_path_ms.p50} / p99 ${one.request_path_ms.p99} ms, wall p99 ${one.wall_ms.p99} ms, a collection in ${round(one.with_gc_share * 100, 1)}% of its requests` +
          (one.profile
            ? `; it allocates ~${one.profile.ours_allocated_kb_per_request} KB per request, most in ${ours.map((entry) => `${entry.where} ${entry.per_request} KB`).join(', ')}; its CPU goes to ${cpu.map((entry) => `${entry.where} ${entry.per_request} ms`).join(', ')} (profiled run, slower than unprofiled)`
            : '') +
          '.',
      );
    }
  }

  const fleet = measured.fleet;
  const unpaced = fleet?.runs.find((run) => run.name === 'unpaced');
  if (fleet && unpaced && failed('fleet check-in, unpaced')) {
    const perCheckinMs = round((unpaced.seconds * 1000 * unpaced.concurrency) / Math.max(1, unpaced.terminals), 1);
    const bareMs = round((fleet.bare_loop.seconds * 1000 * fleet.bare_loop.concurrency) / Math.max(1, fleet.bare_loop.terminals), 1);
    out.push(
      `Fleet check-in, unpaced: each check-in holds one of the ${unpaced.concurrency} workers for ~${perCheckinMs} ms (the one UpdateItem taking the lease with the in-flight record, the ${fleet.delay_ms} ms provider check-in, the key write, the finishCheckin UpdateItem; pages of ${fleet.configured.page_size} run without a barrier), ` +
        `against ~${bareMs} ms for the provider call and key write alone; the difference is the two registry writes, whose cost here is mostly DynamoDB Local's CPU on the same cores as the run.`,
    );
  }

  for (const budget of budgets) {
    if (budget.pass) continue;
    if (/^(module initialisation|handler overhead|fleet check-in, unpaced)/.test(budget.name)) continue;
    out.push(`${budget.name}: ${budget.measured} (budget ${budget.limit}); see the tables below for the detail.`);
  }
  return out;
}
