import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** True when a transaction was refused only because one of its conditions did not hold. */
export function isTransactionConditionFailure(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException) && (error as { name?: string } | null)?.name !== 'TransactionCanceledException') {
    return false;
  }
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}
