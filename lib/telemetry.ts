// What the domain says about itself: structured log lines and counters. Handlers back it
// with Powertools Logger + Metrics (EMF); tests back it with a recorder. Never pass a key.

export type Fields = Record<string, unknown>;

export interface Telemetry {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  count(metric: string, value?: number): void;
}

export const silentTelemetry: Telemetry = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  count: () => undefined,
};
