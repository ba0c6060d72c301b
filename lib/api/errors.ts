// One JSON error shape for every route: {"error": {"code", "message", "field"?}}.
// Codes are stable: apps branch on them, so never rename one.

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_ENCODING: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BUSY: 409,
  CLIENT_SN_REUSED: 409,
  ORDER_NOT_REFUNDABLE: 409,
  REFUND_EXCEEDS_NET: 409,
  NOT_REVOCABLE: 409,
  NOT_CANCELABLE: 409,
  NOT_RESOLVED: 409,
  TERMINAL_RETIRED: 409,
  PROVIDER_REFUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NEEDS_ATTENTION: 502,
  PROVIDER_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  toBody(): { error: { code: ErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}
