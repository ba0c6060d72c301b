// POST /v1/payments (cashier): the cashier scanned the customer's barcode.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { payBody } from '../lib/api/schemas/payments.js';
import { orderView } from '../lib/api/order-view.js';
import { requireActiveTerminal } from '../lib/api/terminal-access.js';
import { pay } from '../lib/payments/pay.js';

export const handler = route({ operation: 'pay', role: 'cashier', body: payBody }, async ({ body, caller }) => {
  const { terminals, paymentDeps } = appContext();
  const { terminal_sn, ...request } = body;
  await requireActiveTerminal(terminals, terminal_sn, caller);
  const result = await pay(paymentDeps, { store_id: caller.store_id, terminal_sn, request });
  if (result.kind === 'conflict') throw new ApiError('CLIENT_SN_REUSED', result.message, 'client_sn');
  // 202 while the provider has not settled the payment; the app polls GET, the step timer finishes it.
  return json(result.found.order.order_status === 'CREATED' ? 202 : 200, orderView(result.found));
});
