// The terminal fleet as admins and ops see it: a page of terminals, and retiring one. A
// retired terminal is skipped by the fleet check-in and refuses payments; its orders stay
// readable and refundable, so its key is kept until their refunds are over
// (lib/terminals/retired-keys.ts).
import type { FleetPage, Terminal, TerminalStatus } from '../store/terminal-registry.js';
import type { RetireResult } from '../store/fleet.js';
import type { Telemetry } from '../telemetry.js';

export interface FleetDeps {
  registry: { get(terminalSn: string): Promise<Terminal | undefined>; listFleet(limit: number, cursor?: string): Promise<FleetPage> };
  fleet: { retire(terminalSn: string, storeId: string, nowMs: number): Promise<RetireResult> };
  telemetry: Telemetry;
  now: () => number;
}

/** Fleet pages are read this many at a time while a store's or a status's terminals are picked out. */
const SCAN_PAGE = 100;

export interface TerminalFilter {
  /** Undefined: every store (ops). */
  storeId?: string;
  status?: TerminalStatus;
  limit: number;
  /** The last terminal_sn of the previous page. */
  after?: string;
}

export async function listTerminals(deps: Pick<FleetDeps, 'registry'>, filter: TerminalFilter): Promise<{ terminals: Terminal[]; last?: string }> {
  const picked: Terminal[] = [];
  let cursor = filter.after;
  let more = true;
  while (more && picked.length <= filter.limit) {
    const page = await deps.registry.listFleet(SCAN_PAGE, cursor);
    picked.push(...page.terminals.filter((terminal) => (filter.storeId === undefined || terminal.store_id === filter.storeId) && (filter.status === undefined || terminal.status === filter.status)));
    more = page.cursor !== undefined;
    cursor = page.cursor;
  }
  const terminals = picked.slice(0, filter.limit);
  const last = terminals.at(-1);
  return { terminals, ...((picked.length > filter.limit || more) && last ? { last: last.terminal_sn } : {}) };
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
