import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** Why each item of a cancelled transaction was refused, in the transaction's order; [] for other errors. */
export function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof TransactionCanceledException) && (error as { name?: string } | null)?.name !== 'TransactionCanceledException') return [];
  return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/** True when a transaction was refused because one of its conditions did not hold. */
export function isTransactionConditionFailure(error: unknown): boolean {
  return cancellationCodes(error).includes('ConditionalCheckFailed');
}

/** True when a transaction collided with another write to the same item: nothing was written. */
export function isTransactionConflict(error: unknown): boolean {
  const codes = cancellationCodes(error);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const BUSY = new Set(['TimeoutError', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

/** True when the database did not answer, or refused for now (timeout, network, throttle, 5xx): a retry may succeed. */
export function isStoreUnavailable(error: unknown): boolean {
  const { name, code, $fault } = (error ?? {}) as { name?: string; code?: string; $fault?: string };
  return (name !== undefined && BUSY.has(name)) || (code !== undefined && UNREACHABLE.has(code)) || $fault === 'server';
}
