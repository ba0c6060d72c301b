// Small fakes every flow needs: a clock whose sleep advances it instantly, a signer that
// hands out a per-terminal key (or fails before sending), and a telemetry recorder.
import type { Credentials } from '../../../lib/upay/index.js';
import type { TerminalSigner } from '../../../lib/terminals/signer.js';
import type { Fields, Telemetry } from '../../../lib/telemetry.js';

export class FakeClock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(public ms: number) {}

  readonly now = (): number => this.ms;

  /** Resolves at once, with the clock moved on by `ms`: no timer, no real waiting. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };

  advance(ms: number): void {
    this.ms += ms;
  }

  iso(): string {
    return new Date(this.ms).toISOString();
  }
}

export const signingKey = (terminalSn: string) => `key-of-${terminalSn}`;

/** Signs every call with `signingKey(terminal)`; with `failure` set, throws before sending. */
export class FakeSigner implements TerminalSigner {
  readonly terminals: string[] = [];
  failure: Error | undefined;

  call<T extends { kind: string }>(terminalSn: string, send: (credentials: Credentials) => Promise<T>): Promise<T> {
    this.terminals.push(terminalSn);
    if (this.failure) return Promise.reject(this.failure);
    return send({ sn: terminalSn, key: signingKey(terminalSn) });
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Fields | undefined;
}

export class RecordingTelemetry implements Telemetry {
  readonly lines: LogLine[] = [];
  readonly metrics: { name: string; value: number }[] = [];

  info = (message: string, fields?: Fields) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Fields) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Fields) => void this.lines.push({ level: 'error', message, fields });
  count = (name: string, value = 1) => void this.metrics.push({ name, value });

  /** The sum of a metric's values. */
  total(name: string): number {
    return this.metrics.filter((metric) => metric.name === name).reduce((sum, metric) => sum + metric.value, 0);
  }

  messages(level: LogLine['level']): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }
}
