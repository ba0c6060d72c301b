import type { OrderStatus, Payway, PrecreateSubPayway } from './codes.js';

/** A vendor pair (for activation) or a terminal pair (for everything else). */
export interface Credentials {
  sn: string;
  key: string;
}

export interface CallOptions {
  timeoutMs?: number;
}

export interface UpayClientOptions {
  baseUrl: string;
  /** Default per-call timeout; 10 000 ms when absent. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

// ---- Requests: the provider's field names; amounts are integer cents as numbers. ----

export interface ActivateRequest {
  app_id: string;
  code: string;
  device_id: string;
  client_sn?: string;
  name?: string;
  os_info?: string;
  sdk_version?: string;
}

/** `terminal_sn` comes from the credentials that sign the call. */
export interface CheckinRequest {
  device_id: string;
  os_info?: string;
  sdk_version?: string;
}

export interface GoodsDetail {
  goods_id: string;
  goods_name: string;
  quantity: number;
  /** Unit price in cents; 0 is allowed (a free line item). */
  price: number;
  promotion_type?: string;
}

/** String → string, as the provider echoes it; ≤ 24 keys, key ≤ 64 bytes, value ≤ 256 bytes. */
export type Extended = Record<string, string>;

interface OrderContent {
  client_sn: string;
  total_amount: number;
  subject: string;
  operator: string;
  description?: string;
  /** Decimal degrees as the provider takes them; both or neither. */
  longitude?: string;
  latitude?: string;
  device_id?: string;
  extended?: Extended;
  goods_details?: GoodsDetail[];
  reflect?: string;
  notify_url?: string;
}

export interface PayRequest extends OrderContent {
  dynamic_id: string;
  /** When given, the provider skips barcode-based wallet detection. */
  payway?: Payway;
}

export interface PrecreateRequest extends OrderContent {
  payway: Payway;
  sub_payway?: PrecreateSubPayway;
  /** Required when `sub_payway` is `"3"` (WAP). */
  payer_uid?: string;
}

/** Which order: `sn` (the provider's number) or `client_sn` (ours); `sn` wins when both are given. */
export interface OrderRef {
  sn?: string;
  client_sn?: string;
}

export interface RefundRequest extends OrderRef {
  refund_request_no: string;
  operator: string;
  refund_amount: number;
  client_tsn?: string;
  extended?: Extended;
  goods_details?: GoodsDetail[];
}

// ---- Replies ----

export interface PaymentListItem {
  type: string;
  amount_total: number;
}

/**
 * An order as the provider reports it. Amounts (cents) and timestamps (ms epoch) are parsed
 * from digit strings; fields the protocol does not name are not carried.
 */
export interface UpayOrder {
  sn: string;
  client_sn: string;
  order_status: OrderStatus;
  total_amount: number;
  net_amount: number;
  /** The transaction record the latest action made (`SUCCESS`, `FAIL_*`, …). */
  status?: string;
  terminal_sn?: string;
  client_tsn?: string;
  trade_no?: string;
  payway?: string;
  sub_payway?: string;
  payer_uid?: string;
  payer_login?: string;
  subject?: string;
  description?: string;
  operator?: string;
  reflect?: string;
  store_id?: string;
  ctime?: number;
  finish_time?: number;
  channel_finish_time?: number;
  payment_list?: PaymentListItem[];
  qr_code?: string;
  wap_pay_request?: string;
}

/** The codes exactly as the provider sent them, for the ledger and for people. */
export interface RawCodes {
  result_code: string;
  error_code?: string;
  error_message?: string;
  biz_result_code?: string;
  biz_error_code?: string;
  biz_error_message?: string;
}

/** Why a call produced no business answer. See `failureCertainty` for what each one proves. */
export type TransportFailure =
  | { kind: 'not_sent'; cause: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'connection_lost'; cause: string }
  | { kind: 'illegal_sign'; message?: string }
  | { kind: 'client_error'; code: string; message?: string }
  | { kind: 'server_error'; code: string; message?: string; maintenance: boolean }
  | { kind: 'bad_reply'; reason: string; httpStatus?: number };

export interface TransportOutcome {
  kind: 'transport';
  failure: TransportFailure;
  /** Present when an envelope was read (400/500, or a 200 whose content was unusable). */
  raw?: RawCodes;
}

interface Replied {
  raw: RawCodes;
}

/** The action was refused (`FAIL`); the order, if any, is unchanged. */
export interface Rejected extends Replied {
  kind: 'rejected';
  error_code?: string;
  error_message?: string;
}

/** The provider does not know the outcome either: a person must look. */
export interface Unknown extends Replied {
  kind: 'unknown';
  reason: string;
  order?: UpayOrder;
}

export interface InProgress extends Replied {
  kind: 'in_progress';
  order?: UpayOrder;
}

export interface Failed extends Replied {
  kind: 'failed';
  error_code?: string;
  error_message?: string;
  order?: UpayOrder;
}

export interface NotFound extends Replied {
  kind: 'not_found';
}

export type PayOutcome =
  | (Replied & { kind: 'paid'; order: UpayOrder })
  /** Failed and already reversed: a retry needs a new `client_sn`. */
  | Failed
  | InProgress
  | Unknown
  | Rejected
  | TransportOutcome;

/** What the customer pays with: a QR code to show, or (WAP, mini-program) a request for the wallet app. */
export type PrecreatePayload = { qr_code: string } | { wap_pay_request: string };

export type PrecreateOutcome =
  | (Replied & { kind: 'created'; order: UpayOrder & PrecreatePayload })
  | Failed
  | Unknown
  | Rejected
  | TransportOutcome;

export type QueryOutcome = (Replied & { kind: 'found'; order: UpayOrder }) | NotFound | Rejected | TransportOutcome;

export type RefundOutcome =
  | (Replied & { kind: 'refunded'; order: UpayOrder })
  | Failed
  | InProgress
  | Unknown
  | Rejected
  | TransportOutcome;

export type CancelOutcome =
  /** `aborted`: an in-flight payment was stopped (`CANCEL_ABORT_SUCCESS`). */
  | (Replied & { kind: 'canceled'; aborted: boolean; order?: UpayOrder })
  | (InProgress & { aborted: boolean })
  | Unknown
  | NotFound
  | Rejected
  | TransportOutcome;

/** The caller must persist both before anything else: the key exists nowhere else. */
export interface TerminalPair {
  terminal_sn: string;
  terminal_key: string;
}

export type ActivateOutcome = (Replied & TerminalPair & { kind: 'activated' }) | Rejected | TransportOutcome;

export type CheckinOutcome = (Replied & TerminalPair & { kind: 'checked_in' }) | Rejected | TransportOutcome;

export type UploadLogOutcome = (Replied & { kind: 'uploaded' }) | TransportOutcome;
