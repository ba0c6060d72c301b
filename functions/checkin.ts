// POST /v1/terminals/{terminal_sn}/checkin (admin): check one terminal in now. An admin's
// check-in also runs on a parked terminal: that is how a person un-parks it.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { terminalPath } from '../lib/api/schemas/terminals.js';
import { terminalView } from '../lib/api/terminal-view.js';
import { checkInTerminal } from '../lib/terminals/checkin.js';

export const handler = route({ operation: 'checkin', role: 'admin', path: terminalPath }, async ({ path, caller, context }) => {
  const { registry, terminalDeps } = appContext();
  const before = await registry.get(path.terminal_sn);
  if (!before || before.store_id !== caller.store_id) throw new ApiError('NOT_FOUND', 'no such terminal');
  if (before.status === 'retired') throw new ApiError('TERMINAL_RETIRED', 'a retired terminal is not checked in', 'terminal_sn');
  const result = await checkInTerminal(terminalDeps, path.terminal_sn, { force: true, remainingMs: () => context.getRemainingTimeInMillis() });
  const after = (await registry.get(path.terminal_sn)) ?? before;
  switch (result.kind) {
    case 'checked_in':
      return json(200, terminalView(after, Date.now()));
    case 'busy':
    case 'recent': // only for a caller's due check, which an admin's check-in has not
      throw new ApiError('BUSY', 'a check-in of this terminal is under way');
    case 'not_found':
      throw new ApiError('NOT_FOUND', 'no such terminal');
    case 'retired':
      throw new ApiError('TERMINAL_RETIRED', 'a retired terminal is not checked in', 'terminal_sn');
    case 'failed':
      throw new ApiError('PROVIDER_UNAVAILABLE', `check-in failed, the key is unchanged: ${result.reason}`);
    case 'parked':
    case 'unconfirmed':
    case 'parked_now':
      throw new ApiError('NEEDS_ATTENTION', `check-in not confirmed; terminal is ${after.status}`);
  }
});
