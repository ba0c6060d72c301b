// POST /v1/terminals (admin): activate a Upay terminal for the caller's store.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { activationBody } from '../lib/api/schemas/terminals.js';
import { terminalView } from '../lib/api/terminal-view.js';
import { activateTerminal } from '../lib/terminals/activation.js';

export const handler = route({ operation: 'activate', role: 'admin', body: activationBody }, async ({ body, caller, context }) => {
  const result = await activateTerminal(appContext().terminalDeps, { ...body, store_id: caller.store_id }, { remainingMs: () => context.getRemainingTimeInMillis() });
  switch (result.kind) {
    case 'activated':
      return json(result.created ? 201 : 200, terminalView(result.terminal, Date.now()));
    case 'refused':
      throw new ApiError('PROVIDER_REFUSED', `the provider refused the activation: ${result.code}`, result.code === 'DEVICE_ID_ALREADY_USED' ? 'device_id' : 'activation_code');
    case 'busy':
      throw new ApiError('BUSY', 'an activation of this device is under way; retry shortly');
    case 'unavailable':
      throw new ApiError('PROVIDER_UNAVAILABLE', `nothing was activated (${result.reason}); retry`);
    case 'needs_attention':
      throw new ApiError('NEEDS_ATTENTION', result.reason);
  }
});
