// A measurement job in a fresh Node process: `fork(worker.ts, [job])`, the input arrives over
// IPC, the result goes back over IPC, then the process exits (so nothing it started survives).
import type { RemoteCallsInput } from './remote-calls.js';
import type { OverheadInput } from './overhead.js';
import type { EndToEndInput } from './end-to-end.js';
import type { FleetInput } from './fleet.js';
import type { RecordsInput } from './records.js';
import type { PartitionsInput } from './partitions.js';
import type { TimerInput } from './timer.js';

const JOBS: Record<string, (input: never) => Promise<unknown>> = {
  'remote-calls': async (input: RemoteCallsInput) => (await import('./remote-calls.js')).measureRemoteCalls(input),
  overhead: async (input: OverheadInput) => (await import('./overhead.js')).measureOverhead(input),
  'end-to-end': async (input: EndToEndInput) => (await import('./end-to-end.js')).measureEndToEnd(input),
  fleet: async (input: FleetInput) => (await import('./fleet.js')).measureFleet(input),
  records: async (input: RecordsInput) => (await import('./records.js')).measureRecords(input),
  partitions: async (input: PartitionsInput) => (await import('./partitions.js')).measurePartitions(input),
  timer: async (input: TimerInput) => (await import('./timer.js')).measureTimer(input),
};

const job = JOBS[process.argv[2] ?? ''];
if (!job || !process.send) {
  console.error(`worker: unknown job ${process.argv[2] ?? '(none)'} or no IPC channel`);
  process.exit(2);
}

// Orphaned (the bench was killed): stop too.
process.once('disconnect', () => process.exit(1));

const reply = (message: unknown) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));

process.once('message', (message: { input: never }) => {
  job(message.input)
    .then((result) => reply({ ok: true, result }))
    .catch((error: unknown) => reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
    .finally(() => process.exit(0));
});
