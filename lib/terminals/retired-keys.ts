// A retired terminal's key outlives its retirement: the provider accepts refunds for about
// three months after a payment, and a refund is signed with the order's own terminal. So the
// daily fleet run schedules the key for deletion (with Secrets Manager's recovery window) only
// once that time is over, and records it so it is asked once.
import type { KeyRetirement } from '../keys/retirement.js';
import type { Terminal, TerminalRegistry } from '../store/terminal-registry.js';
import type { Telemetry } from '../telemetry.js';

const DAY_MS = 86_400_000;
/** The provider's refund period (about three months) with margin. */
export const KEY_KEPT_AFTER_RETIREMENT_MS = 100 * DAY_MS;

export interface RetiredKeyDeps {
  keyRetirement: KeyRetirement;
  registry: Pick<TerminalRegistry, 'markKeyDeletionScheduled'>;
  telemetry: Telemetry;
  now: () => number;
}

export function keyDeletionDue(terminal: Terminal, nowMs: number): boolean {
  return terminal.status === 'retired' && terminal.key_deletion_at === undefined && terminal.retired_at !== undefined && nowMs - Date.parse(terminal.retired_at) >= KEY_KEPT_AFTER_RETIREMENT_MS;
}

/**
 * Schedules the deletion of each given retired terminal's key; returns how many were scheduled.
 * A failure is left for the next daily run: it must never stop the fleet's check-ins.
 */
export async function deleteRetiredKeys(deps: RetiredKeyDeps, terminals: Terminal[]): Promise<number> {
  let scheduled = 0;
  for (const terminal of terminals.filter((candidate) => keyDeletionDue(candidate, deps.now()))) {
    try {
      // A repeat after a crash between these two calls is harmless: Secrets Manager keeps the first date.
      const { deletion_date } = await deps.keyRetirement.scheduleDeletion(terminal.terminal_sn);
      await deps.registry.markKeyDeletionScheduled(terminal.terminal_sn, deletion_date ?? new Date(deps.now()).toISOString());
      deps.telemetry.info('retired terminal key scheduled for deletion', { terminal_sn: terminal.terminal_sn, deletion_date });
      scheduled++;
    } catch (error) {
      deps.telemetry.warn('retired terminal key not scheduled for deletion; the next run tries again', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    }
  }
  return scheduled;
}
