// Which store a terminal belongs to, for the per-request ownership check. Cached, so the
// warm payment path reads no DynamoDB for it; the binding never changes once activated.
// Whether it is retired is cached beside it: a warm instance elsewhere learns of a
// retirement within the TTL, and retiring here (`forget`) takes effect at once.
import type { TerminalRegistry } from '../store/terminal-registry.js';

export interface TerminalDirectory {
  storeOf(terminalSn: string): Promise<string | undefined>;
  isRetired(terminalSn: string): Promise<boolean>;
  forget(terminalSn: string): void;
}

export function terminalDirectory(registry: Pick<TerminalRegistry, 'get'>, ttlMs: number, now: () => number = Date.now): TerminalDirectory {
  const cache = new Map<string, { store: string; retired: boolean; until: number }>();
  const lookup = async (terminalSn: string) => {
    const hit = cache.get(terminalSn);
    if (hit && hit.until > now()) return hit;
    const terminal = await registry.get(terminalSn);
    if (!terminal) return undefined;
    const entry = { store: terminal.store_id, retired: terminal.status === 'retired', until: now() + ttlMs };
    cache.set(terminalSn, entry);
    return entry;
  };
  return {
    storeOf: async (terminalSn) => (await lookup(terminalSn))?.store,
    isRetired: async (terminalSn) => (await lookup(terminalSn))?.retired ?? false,
    forget: (terminalSn) => void cache.delete(terminalSn),
  };
}
