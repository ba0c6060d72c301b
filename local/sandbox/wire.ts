// Replies are assembled here so that the rule every client relies on holds everywhere:
// every scalar on the wire is a string (amounts and timestamps included).
export type WireValue = string | WireValue[] | WireObject;
export interface WireObject {
  [field: string]: WireValue;
}

export type RequestErrorCode =
  | 'INVALID_PARAMS'
  | 'INVALID_TERMINAL'
  | 'ILLEGAL_SIGN'
  | 'UNKNOWN_SYSTEM_ERROR'
  | 'MAINTENANCE_INPROGRESS';

const SERVER_SIDE: ReadonlySet<RequestErrorCode> = new Set(['UNKNOWN_SYSTEM_ERROR', 'MAINTENANCE_INPROGRESS']);

// Thrown while reading a request; becomes an outer 400 envelope (HTTP status stays 200).
export class RequestRejected extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function requestError(code: RequestErrorCode, message: string): WireObject {
  return { result_code: SERVER_SIDE.has(code) ? '500' : '400', error_code: code, error_message: message };
}

export function accepted(bizResponse: WireObject): WireObject {
  return { result_code: '200', biz_response: bizResponse };
}
