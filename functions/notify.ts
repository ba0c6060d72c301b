// POST /v1/upay/notify (the provider; no JWT): verified by its RSA signature, then only a
// reason to re-query the order. Answers the body `success` so the provider stops retrying.
// The route is open to anyone, so nothing an unsigned request reaches may answer 5xx (that
// would feed the Api5xx alarm): in every configuration an anonymous caller gets a 4xx.
import type { Context } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { ApiError } from '../lib/api/errors.js';
import { bodyBytes } from '../lib/api/body.js';
import { errorResult, json, type HttpEvent, type HttpResult } from '../lib/api/route.js';
import { countOutcome, logger, observed } from '../lib/api/observability.js';
import { callbackKey, handleNotify } from '../lib/payments/notify.js';

let verifying: { pem: string | undefined; key: ReturnType<typeof callbackKey> } | undefined;

// Read apart from the rest of the configuration, so that an install without the provider's
// key (or with a broken one) refuses callbacks instead of failing on them; said once per instance.
function currentKey(): ReturnType<typeof callbackKey> {
  const pem = process.env.UPAY_PUBLIC_KEY_PEM;
  if (verifying && verifying.pem === pem) return verifying.key;
  const key = callbackKey(pem);
  if ('problem' in key) logger.warn('provider callbacks are refused', { reason: key.problem });
  verifying = { pem, key };
  return key;
}

function refused(status: 400 | 401, reason: string): HttpResult {
  logger.warn('callback rejected', { reason });
  countOutcome('CallbacksRejected', status === 401 ? 'forged' : 'malformed');
  return status === 401
    ? json(401, new ApiError('UNAUTHORIZED', 'the callback signature does not verify').toBody())
    : json(400, new ApiError('VALIDATION_FAILED', reason).toBody());
}

async function run(event: HttpEvent, _context: Context): Promise<HttpResult> {
  try {
    logger.setCorrelationId(event.requestContext.requestId);
    const raw = bodyBytes(event) ?? Buffer.alloc(0);
    const verifier = currentKey();
    if ('problem' in verifier) return refused(401, verifier.problem);
    const result = await handleNotify(appContext().paymentDeps, raw, event.headers?.authorization, verifier.key);
    if (result.kind !== 'accepted') return refused(result.kind === 'forged' ? 401 : 400, result.reason);
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success' };
  } catch (error) {
    return errorResult(error);
  }
}

export const handler = observed(run);
