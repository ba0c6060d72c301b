// GET /v1/terminals/{terminal_sn} (admin): status, last check-in, key age — never the key.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { terminalPath } from '../lib/api/schemas/terminals.js';
import { terminalView } from '../lib/api/terminal-view.js';

// `key_stored_at` is the registry's stamp, the one activation and check-in record and answer
// with, so every answer about a terminal gives the same time.
export const handler = route({ operation: 'terminal', role: 'admin', path: terminalPath }, async ({ path, caller }) => {
  const terminal = await appContext().registry.get(path.terminal_sn);
  if (!terminal || terminal.store_id !== caller.store_id) throw new ApiError('NOT_FOUND', 'no such terminal');
  return json(200, terminalView(terminal, Date.now()));
});
