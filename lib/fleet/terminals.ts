// The terminal fleet as admins and ops see it: a page of terminals, and retiring one. A
// retired terminal is skipped by the fleet check-in and refuses payments; its orders stay
// readable and refundable, so its key is kept until their refunds are over
// (lib/terminals/retired-keys.ts).
import type { FleetPage, Terminal, TerminalStatus } from '../store/terminal-registry.js';
import type { RetireResult, StoreTerminalsQuery } from '../store/fleet.js';
import { fleetCursorAfter } from '../store/fleet-partitions.js';
import type { Telemetry } from '../telemetry.js';

export interface FleetDeps {
  registry: { get(terminalSn: string): Promise<Terminal | undefined>; listFleet(limit: number, cursor?: string): Promise<FleetPage> };
  fleet: {
    retire(terminalSn: string, storeId: string, nowMs: number): Promise<RetireResult>;
    listStore(query: StoreTerminalsQuery): Promise<{ terminals: Terminal[]; last?: string }>;
  };
  telemetry: Telemetry;
  now: () => number;
}

/** Fleet pages are read this many at a time while every store's terminals of a status are picked out. */
const SCAN_PAGE = 100;

export interface TerminalFilter {
  /** Undefined: every store (ops). */
  storeId?: string;
  status?: TerminalStatus;
  limit: number;
  /** Where the previous page ended: its last terminal_sn (one store) or the fleet cursor (every store). */
  after?: string;
}

/**
 * A page of terminals. One store's come from its own partition of the store-terminals index;
 * every store's (ops) from a walk of the fleet shards, which is the daily check-in's too.
 */
export async function listTerminals(deps: Pick<FleetDeps, 'registry' | 'fleet'>, filter: TerminalFilter): Promise<{ terminals: Terminal[]; last?: string }> {
  if (filter.storeId !== undefined) {
    return deps.fleet.listStore({ storeId: filter.storeId, limit: filter.limit, ...(filter.status !== undefined ? { status: filter.status } : {}), ...(filter.after !== undefined ? { after: filter.after } : {}) });
  }
  const picked: Terminal[] = [];
  const legacy = new Set<string>();
  let cursor = filter.after;
  for (;;) {
    const page = await deps.registry.listFleet(SCAN_PAGE, cursor);
    for (const terminalSn of page.legacy ?? []) legacy.add(terminalSn);
    picked.push(...(filter.status === undefined ? page.terminals : page.terminals.filter((terminal) => terminal.status === filter.status)));
    if (picked.length > filter.limit) {
      // The next page starts right after the last terminal shown, in the partition it was read from.
      const last = picked[filter.limit - 1] as Terminal;
      return { terminals: picked.slice(0, filter.limit), last: fleetCursorAfter(last.terminal_sn, legacy.has(last.terminal_sn)) };
    }
    if (page.cursor === undefined) return { terminals: picked };
    cursor = page.cursor;
  }
}

export type RetireOutcome = RetireResult;

/** Marks the terminal retired; its key stays (refunds of its orders are signed with it). */
export async function retireTerminal(deps: FleetDeps, terminalSn: string, storeId: string): Promise<RetireOutcome> {
  const result = await deps.fleet.retire(terminalSn, storeId, deps.now());
  if (result.kind !== 'retired') return result;
  deps.telemetry.info('terminal retired', { terminal_sn: terminalSn });
  deps.telemetry.count('TerminalRetired');
  return result;
}
