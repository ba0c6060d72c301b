export { UpayClient } from './client.js';
export { sign } from './signing.js';
export { UpayRequestError } from './errors.js';
export { failureCertainty } from './failures.js';
export { checkRequest } from './check.js';
export { characters, unsafeTextProblem } from './validation.js';
export { FINAL_ORDER_STATUSES, ORDER_STATUSES, PAYWAYS, PRECREATE_SUB_PAYWAYS } from './codes.js';
export type { OrderStatus, Payway, PrecreateSubPayway } from './codes.js';
export type * from './types.js';
