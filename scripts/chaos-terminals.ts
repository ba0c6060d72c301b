// `npm run chaos:terminals -- --terminals N --days D --fault-rate R --seed S`: the terminal
// chaos run (local/terminal-chaos.ts) on DynamoDB Local, the sandbox and a local key file.
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb.js';
import { startTerminalChaosWorld } from '../local/terminal-chaos-world.js';
import { runTerminalChaos, terminalChaosSummary } from '../local/terminal-chaos.js';

const { values } = parseArgs({
  options: { terminals: { type: 'string', default: '50' }, days: { type: 'string', default: '5' }, 'fault-rate': { type: 'string', default: '0.3' }, seed: { type: 'string', default: '1' }, parallel: { type: 'string', default: '8' } },
});
const options = { terminals: Number(values.terminals), days: Number(values.days), faultRate: Number(values['fault-rate']), seed: Number(values.seed), parallel: Number(values.parallel), log: (line: string) => console.error(line) };

const db = await startDynamoDbLocal();
try {
  const world = await startTerminalChaosWorld(db.endpoint, options.seed);
  const started = Date.now();
  const report = await runTerminalChaos(world, options).finally(() => world.close());
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(terminalChaosSummary(report, options));
  process.exitCode = report.brickedSilently.length === 0 && report.activationsUnresolved.length === 0 ? 0 : 1;
} catch (error) {
  console.error(`terminal chaos run stopped without a verdict: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await db.stop();
}
process.exit();
