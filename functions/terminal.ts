// GET /v1/terminals/{terminal_sn} (admin): status, last check-in, key age — never the key.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { terminalPath } from '../lib/api/schemas/terminals.js';
import { terminalView } from '../lib/api/terminal-view.js';

export const handler = route({ operation: 'terminal', role: 'admin', path: terminalPath }, async ({ path, caller }) => {
  const { registry, keys } = appContext();
  const terminal = await registry.get(path.terminal_sn);
  if (!terminal || terminal.store_id !== caller.store_id) throw new ApiError('NOT_FOUND', 'no such terminal');
  // The key store knows when the key really changed; the registry's stamp is the fallback.
  const keySince = await keys.currentSince(terminal.terminal_sn);
  return json(200, terminalView({ ...terminal, ...(keySince ? { key_stored_at: keySince.toISOString() } : {}) }, Date.now()));
});
