// POST /v1/precreates (cashier): a QR code for the customer to scan, with its picture.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { precreateBody } from '../lib/api/schemas/payments.js';
import { orderView } from '../lib/api/order-view.js';
import { qrPictures } from '../lib/api/qr.js';
import { requireActiveTerminal } from '../lib/api/terminal-access.js';
import { precreate } from '../lib/payments/precreate.js';

export const handler = route({ operation: 'precreate', role: 'cashier', body: precreateBody }, async ({ body, caller }) => {
  const { terminals, paymentDeps } = appContext();
  const { terminal_sn, qr_format, ...request } = body;
  await requireActiveTerminal(terminals, terminal_sn, caller);
  const result = await precreate(paymentDeps, { store_id: caller.store_id, terminal_sn, request });
  if (result.kind === 'conflict') throw new ApiError('CLIENT_SN_REUSED', result.message, 'client_sn');
  const view = orderView(result.found);
  const pictures = view.qr_code ? await qrPictures(view.qr_code, qr_format === 'png') : {};
  // 201 only when a new order has something for the customer to pay with.
  const created = result.kind === 'created' && (view.qr_code !== undefined || view.wap_pay_request !== undefined);
  return json(created ? 201 : 200, { ...view, ...pictures });
});
