import { activateBody, payCall, precreateCall, refundCall } from './requests.js';
import type { ActivateRequest, PayRequest, PrecreateRequest, RefundRequest } from './types.js';

/**
 * The client's own request checks, for callers that must refuse bad input before they record
 * anything (invariant 7): each throws the `UpayRequestError` the call itself would throw.
 */
export const checkRequest = {
  activate: (request: ActivateRequest): void => void activateBody(request),
  pay: (terminalSn: string, request: PayRequest): void => void payCall(terminalSn, request),
  precreate: (terminalSn: string, request: PrecreateRequest): void => void precreateCall(terminalSn, request),
  refund: (terminalSn: string, request: RefundRequest): void => void refundCall(terminalSn, request),
};
