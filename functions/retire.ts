// POST /v1/terminals/{terminal_sn}/retire (admin): take a terminal out of service for good.
// Its orders stay readable and refundable: its key is kept until their refunds are over, then
// the daily fleet run schedules it for deletion (DEPLOY.md, "Retiring a terminal").
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { terminalPath } from '../lib/api/schemas/terminals.js';
import { terminalView } from '../lib/api/terminal-view.js';
import { retireTerminal } from '../lib/fleet/terminals.js';
import { telemetry } from '../lib/api/observability.js';

export const handler = route({ operation: 'retire', role: 'admin', path: terminalPath }, async ({ path, caller }) => {
  const context = appContext();
  const result = await retireTerminal({ ...context, telemetry, now: Date.now }, path.terminal_sn, caller.store_id);
  switch (result.kind) {
    case 'retired':
      context.terminals.forget(path.terminal_sn);
      return json(200, terminalView(result.terminal, Date.now()));
    case 'busy':
      throw new ApiError('BUSY', 'a check-in of this terminal is under way; retry shortly');
    case 'not_found':
      throw new ApiError('NOT_FOUND', 'no such terminal', 'terminal_sn');
  }
});
