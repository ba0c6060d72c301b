// Spaces out starts to at most `perSecond` a second: Secrets Manager takes about 50
// writes/s per region, and every check-in ends in one write.
export interface Pacer {
  take(): Promise<void>;
}

export function pacer(perSecond: number, now: () => number = Date.now): Pacer {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return { take: async () => undefined };
  const intervalMs = 1000 / perSecond;
  let nextSlot = 0;
  return {
    async take() {
      const at = now();
      const slot = Math.max(at, nextSlot);
      nextSlot = slot + intervalMs;
      if (slot > at) await new Promise((resolve) => setTimeout(resolve, slot - at));
    },
  };
}
