// How a verdict reads many things from local servers (chaos, bench, test probes): a bounded
// number in flight, and a read that keeps failing stops the run with an error. A burst of
// local timeouts must never be classified as a result ("missing", "lost") — nor hide one.

/**
 * Maps `items` through `read` with at most `concurrency` calls in flight; results in order.
 * The first failure rejects the whole map and no further read starts.
 */
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, read: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, not ${concurrency}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await read(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export interface RetryOptions {
  attempts?: number;
  /** The first pause; each later one doubles, up to 2 s. */
  delayMs?: number;
}

/**
 * Runs `read` until it returns, at most `attempts` times; a read that throws every time
 * throws a `ReadFailedError` naming `what`. `read` must be safe to repeat (a GET, a query).
 */
export async function readReliably<R>(what: string, read: () => Promise<R>, options: RetryOptions = {}): Promise<R> {
  const attempts = options.attempts ?? 6;
  let delay = options.delayMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw new ReadFailedError(what, attempts, error);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

export class ReadFailedError extends Error {
  override readonly name = 'ReadFailedError';

  constructor(what: string, attempts: number, cause: unknown) {
    super(`${what}: failed ${attempts} times, last: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Many reads, each retried, with a bounded number in flight. */
export function readAll<T, R>(what: (item: T) => string, items: readonly T[], read: (item: T) => Promise<R>, options: RetryOptions & { concurrency?: number } = {}): Promise<R[]> {
  return mapBounded(items, options.concurrency ?? 16, (item) => readReliably(what(item), () => read(item), options));
}
