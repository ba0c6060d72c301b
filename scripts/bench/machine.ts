// The machine a bench ran on, so figures from different machines are never compared blindly.
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  node: string;
  os: string;
  arch: string;
  memory_gb: number;
  /** 1/5/15-minute load averages when the bench started: other work on the machine skews every timing. */
  load_average_at_start: number[];
}

export function machineInfo(): MachineInfo {
  const cpu = cpus()[0];
  return {
    cpu_model: cpu?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    os: `${osType()} ${release()}`,
    arch: process.arch,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    load_average_at_start: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
