// POST /v1/orders/{order_id}/revoke (admin): full reversal of today's unrefunded payment.
import { reversalHandler } from '../lib/api/reversal-handler.js';

export const handler = reversalHandler('revoke');
