// The sandbox's "now". It follows real time but the control API can move it, so that day
// boundaries (revoke), activation-code expiry and QR expiry can be tested without waiting.
export class SandboxClock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  set(nowMs: number): void {
    this.#offsetMs = nowMs - Date.now();
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

export const DAY_MS = 86_400_000;
// The provider's business day is the calendar day in Asia/Shanghai (UTC+8, no daylight saving).
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export function shanghaiDay(epochMs: number): number {
  return Math.floor((epochMs + SHANGHAI_OFFSET_MS) / DAY_MS);
}
