/** Minutes, not hours (architecture §4): a key changed elsewhere is picked up soon even without `forget`. */
export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A per-key TTL cache that also shares one in-flight load between concurrent callers, so a
 * burst of signings for a cold terminal costs one read. `set` and `delete` win over a load
 * already in flight: its (possibly older) result is returned to its callers but not cached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loads = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() < entry.expiresAt) return Promise.resolve(entry.value);
    const inFlight = this.loads.get(key);
    if (inFlight !== undefined) return inFlight;

    const loading: Promise<V> = load().then(
      (value) => {
        if (this.loads.get(key) === loading) this.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.loads.get(key) === loading) this.loads.delete(key);
        throw error;
      },
    );
    this.loads.set(key, loading);
    return loading;
  }

  set(key: string, value: V): void {
    this.loads.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.loads.delete(key);
    this.entries.delete(key);
  }
}
