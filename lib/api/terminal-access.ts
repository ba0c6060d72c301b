import { ApiError } from './errors.js';
import type { Caller } from './auth.js';
import type { TerminalDirectory } from '../terminals/directory.js';

/** A caller may use only its own store's terminals; another store's does not exist for it. */
export async function requireOwnTerminal(terminals: TerminalDirectory, terminalSn: string, caller: Caller): Promise<void> {
  if ((await terminals.storeOf(terminalSn)) !== caller.store_id) throw new ApiError('NOT_FOUND', 'no such terminal', 'terminal_sn');
}

/** Pay and precreate: an own terminal that is still in service (its orders stay readable and refundable). */
export async function requireActiveTerminal(terminals: TerminalDirectory, terminalSn: string, caller: Caller): Promise<void> {
  await requireOwnTerminal(terminals, terminalSn, caller);
  if (await terminals.isRetired(terminalSn)) throw new ApiError('TERMINAL_RETIRED', 'this terminal is retired and takes no payments', 'terminal_sn');
}
