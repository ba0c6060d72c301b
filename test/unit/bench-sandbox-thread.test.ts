import { describe, expect, it } from 'vitest';
import { startSandboxThread } from '../../scripts/bench/sandbox-thread.js';

describe('the sandbox on a thread of its own (the bench fleet\'s provider)', () => {
  it('answers over HTTP, and close() ends the thread', async () => {
    const sandbox = await startSandboxThread({ port: 0, notifyRetryDelaysMs: [] });
    const stats = await fetch(`${sandbox.url}/_sandbox/stats`, { signal: AbortSignal.timeout(5_000) });
    expect(stats.status).toBe(200);
    await sandbox.close();
    await expect(fetch(`${sandbox.url}/_sandbox/stats`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    // The thread has ended (as after a crash mid-run): closing again must not wait for an exit already past.
    await sandbox.close();
  });
});
