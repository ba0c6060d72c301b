// POST /v1/orders/{order_id}/cancel (admin): cancel an open payment, or reverse an unrefunded one.
import { reversalHandler } from '../lib/api/reversal-handler.js';

export const handler = reversalHandler('cancel');
