// The CPU clock of the overhead measurement: process.cpuUsage() (user + system), in ms. It
// counts every thread of the process, so V8's background work (concurrent GC marking and
// sweeping, the optimising compiler) lands in whichever request it overlaps. The calibration
// runs busy loops of known length and shows that noise floor on this machine.
// (Linux's per-thread /proc/thread-self/schedstat is no way out: it only advances at kernel
// entries and ticks, so a short stretch of pure JavaScript reads as 0 or as a whole tick.)

export const processCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface ClockCalibration {
  busy_ms: number;
  samples: number;
  cpu_ms: { p50: number; p99: number; max: number };
}

/** process.cpuUsage() around a busy loop of known length: how far its tail strays from the truth. */
export function calibrateClock(busyMs: number, samples: number): ClockCalibration {
  const measured: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const before = processCpuMs();
    const end = performance.now() + busyMs;
    while (performance.now() < end);
    measured.push(processCpuMs() - before);
  }
  const sorted = measured.sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN) * 1000) / 1000;
  return { busy_ms: busyMs, samples, cpu_ms: { p50: at(50), p99: at(99), max: at(100) } };
}
