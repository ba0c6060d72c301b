// `npm run chaos -- --ops N --fault-rate R --seed S`: a chaos run on a fresh local stack.
// `npm run chaos -- --outage SECONDS [--orders N] [--seed S]`: the provider in maintenance for
// that long while orders are open (local/outage.ts).
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../local/stack.js';
import { startDynamoDbLocal, warmUp } from '../local/dynamodb.js';
import { CHAOS_TIMINGS, runChaos, summary, type ChaosReport } from '../local/chaos.js';
import { outageSummary, runOutage } from '../local/outage.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '500' },
    'fault-rate': { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '4' },
    outage: { type: 'string' },
    orders: { type: 'string', default: '24' },
  },
});
const options = { ops: Number(values.ops), faultRate: Number(values['fault-rate']), seed: Number(values.seed), parallel: Number(values.parallel), log: (line: string) => console.error(line) };

const db = await startDynamoDbLocal();
try {
  await warmUp(db.endpoint);
  const stack = await startLocalStack({ dir: mkdtempSync(join(tmpdir(), 'upay-chaos-')), dynamoEndpoint: db.endpoint, env: CHAOS_TIMINGS });
  const started = Date.now();
  let report: ChaosReport;
  if (values.outage === undefined) {
    report = await runChaos(stack, options).finally(() => stack.close());
    console.log(summary(report, options));
  } else {
    const outage = await runOutage(stack, { outageMs: Number(values.outage) * 1000, seed: options.seed, orders: Number(values.orders), log: options.log }).finally(() => stack.close());
    console.log(outageSummary(outage));
    report = outage;
  }
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // An outage must leave no work for a person: every reason there is a failure of the run.
  const attention = values.outage === undefined ? 0 : Object.keys(report.needsAttention).length;
  process.exitCode = report.discrepancies.length === 0 && report.open === 0 && attention === 0 ? 0 : 1;
} catch (error) {
  // No verdict: a read that kept failing is not a result.
  console.error(`chaos run stopped without a verdict: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await db.stop();
}
// The handlers' SDK clients keep idle sockets in their agents; nothing else is running.
process.exit();
