// Which store a terminal belongs to, for the per-request ownership check. Cached, so the
// warm payment path reads no DynamoDB for it; the binding never changes once activated.
import type { TerminalRegistry } from '../store/terminal-registry.js';

export interface TerminalDirectory {
  storeOf(terminalSn: string): Promise<string | undefined>;
}

export function terminalDirectory(registry: Pick<TerminalRegistry, 'get'>, ttlMs: number, now: () => number = Date.now): TerminalDirectory {
  const cache = new Map<string, { store: string; until: number }>();
  return {
    async storeOf(terminalSn) {
      const hit = cache.get(terminalSn);
      if (hit && hit.until > now()) return hit.store;
      const terminal = await registry.get(terminalSn);
      if (!terminal) return undefined;
      cache.set(terminalSn, { store: terminal.store_id, until: now() + ttlMs });
      return terminal.store_id;
    },
  };
}
