// POST /v1/upay/notify (the provider; no JWT): verified by its RSA signature, then only a
// reason to re-query the order. Answers the body `success` so the provider stops retrying.
import type { Context } from 'aws-lambda';
import type { KeyObject } from 'node:crypto';
import { appContext } from '../lib/api/context.js';
import { ApiError } from '../lib/api/errors.js';
import { errorResult, json, MAX_BODY_BYTES, type HttpEvent, type HttpResult } from '../lib/api/route.js';
import { countOutcome, logger, observed } from '../lib/api/observability.js';
import { handleNotify, providerKey } from '../lib/payments/notify.js';

let key: KeyObject | undefined;

async function run(event: HttpEvent, _context: Context): Promise<HttpResult> {
  try {
    logger.setCorrelationId(event.requestContext.requestId);
    const { config, paymentDeps } = appContext();
    if (!config.UPAY_PUBLIC_KEY_PEM) throw new ApiError('INTERNAL', 'notify is not configured');
    key ??= providerKey(config.UPAY_PUBLIC_KEY_PEM);
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new ApiError('PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    const result = await handleNotify(paymentDeps, raw, event.headers?.authorization, key);
    if (result.kind !== 'accepted') {
      logger.warn('callback rejected', { reason: result.reason });
      countOutcome('CallbacksRejected', result.kind);
      return result.kind === 'forged'
        ? json(401, new ApiError('UNAUTHORIZED', 'the callback signature does not verify').toBody())
        : json(400, new ApiError('VALIDATION_FAILED', result.reason).toBody());
    }
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success' };
  } catch (error) {
    return errorResult(error);
  }
}

export const handler = observed(run);
