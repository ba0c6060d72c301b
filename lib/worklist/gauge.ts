// The OpenAttention gauge: how many cases are open right now, in every store. Emitted by
// each sweep (every minute), so its alarm stays in ALARM while any case is open and clears when the
// last is resolved (a count of new cases went quiet after the first period).
import type { Telemetry } from '../telemetry.js';

export async function emitOpenAttention(cases: { countOpenCases(): Promise<number> }, telemetry: Telemetry): Promise<void> {
  try {
    telemetry.count('OpenAttention', await cases.countOpenCases());
  } catch (error) {
    // A missed figure is a gap in the graph; the sweep's own work is already done.
    telemetry.error('open cases not counted', { error: (error as Error).name });
  }
}
