import type { Terminal } from '../store/terminal-registry.js';
import type { TerminalView } from './schemas/terminals.js';

/**
 * What an admin sees of a terminal: the registry record (with an unfinished check-in's trace)
 * and the age of its key.
 */
export function terminalView(terminal: Terminal, nowMs: number): TerminalView {
  return {
    ...terminal,
    key_age_seconds: Math.max(0, Math.floor((nowMs - Date.parse(terminal.key_stored_at)) / 1000)),
  };
}
