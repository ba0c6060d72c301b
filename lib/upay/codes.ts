// The provider's vocabulary (upay-protocol.md §5). Runtime lists, because replies and
// requests are checked against them; the types are derived so the two cannot drift.

export const ORDER_STATUSES = [
  'CREATED',
  'PAID',
  'PAY_CANCELED',
  'PAY_ERROR',
  'REFUNDED',
  'PARTIAL_REFUNDED',
  'REFUND_ERROR',
  'CANCELED',
  'CANCEL_ERROR',
  'CANCEL_INPROGRESS',
  'INVALID_STATUS_CODE',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const FINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'PAID',
  'PAY_CANCELED',
  'REFUNDED',
  'PARTIAL_REFUNDED',
  'CANCELED',
]);

// Order states in which the provider itself does not know where the money is.
export const ORDER_STATUSES_NEEDING_A_PERSON: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'PAY_ERROR',
  'REFUND_ERROR',
  'CANCEL_ERROR',
  'INVALID_STATUS_CODE',
]);

export const PAYWAYS = ['1', '2', '3', '4', '5', '6', '7', '8', '15', '16', '17', '18'] as const;
export type Payway = (typeof PAYWAYS)[number];

// Barcode (`1`) is what pay does; precreate can only ask for the C-scans-B kinds.
export const PRECREATE_SUB_PAYWAYS = ['2', '3', '4'] as const;
export type PrecreateSubPayway = (typeof PRECREATE_SUB_PAYWAYS)[number];
export const WAP_SUB_PAYWAY: PrecreateSubPayway = '3';
// WAP and mini-program orders are paid inside the wallet app: the provider hands back
// `wap_pay_request` for it to open, not a `qr_code` to show.
export const IN_APP_SUB_PAYWAYS: readonly PrecreateSubPayway[] = ['3', '4'];

export const ORDER_NOT_EXISTS = 'UPAY_ORDER_NOT_EXISTS';
export const ILLEGAL_SIGN = 'ILLEGAL_SIGN';
export const MAINTENANCE_INPROGRESS = 'MAINTENANCE_INPROGRESS';
