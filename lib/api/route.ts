// The one wrapper every HTTP function uses: observed() (tracing, logging with correlation id =
// API Gateway request id, EMF metrics), then caller identity, role, JSON body and path
// parsing against zod schemas, and the single error shape. Handlers stay thin.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { ApiError } from './errors.js';
import { UpayRequestError } from '../upay/index.js';
import { callerOf, requireRole, type Caller, type Role } from './auth.js';
import { countOutcome, logger, observed } from './observability.js';
import { firstIssue } from './validation.js';
import { bodyBytes, utf8Text } from './body.js';
import { isStoreUnavailable } from '../store/errors.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export { MAX_BODY_BYTES } from './body.js';

export interface RouteSpec<B extends z.ZodType | undefined, P extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  operation: string;
  role: Role | readonly Role[];
  body?: B;
  path?: P;
  query?: Q;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<B, P, Q> {
  caller: Caller;
  body: B;
  path: P;
  query: Q;
  event: HttpEvent;
  /** The invocation: how much time is left (work that must finish before the Lambda ends). */
  context: Context;
}

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function readBody(event: HttpEvent): unknown {
  const bytes = bodyBytes(event);
  if (bytes === undefined) return undefined;
  const type = event.headers?.['content-type'] ?? event.headers?.['Content-Type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  const text = utf8Text(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('INVALID_JSON', 'the body is not valid JSON');
  }
}

function parse<S extends z.ZodType | undefined>(schema: S | undefined, value: unknown, where: 'body' | 'path' | 'query'): Parsed<S> {
  if (schema === undefined) return undefined as Parsed<S>;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) {
    const issue = firstIssue(result.error);
    throw new ApiError('VALIDATION_FAILED', issue.message, issue.field || where);
  }
  return result.data as Parsed<S>;
}

/** Kept back from the Lambda's timeout to answer 503 ourselves, whatever a dependency does. */
const ANSWER_MARGIN_MS = 1_000;

const unavailable = () => json(503, new ApiError('SERVICE_UNAVAILABLE', 'a dependency did not answer in time; retry the same request').toBody());

export function errorResult(error: unknown): HttpResult {
  if (error instanceof ApiError) return json(error.status, error.toBody());
  // Nothing half-done is lost: every write is conditional and the step timer finishes recorded work.
  if (isStoreUnavailable(error)) {
    logger.warn('the ledger did not answer', { error: (error as Error).name });
    return unavailable();
  }
  // The provider's own limits, checked before anything is recorded or sent.
  if (error instanceof UpayRequestError) return json(400, new ApiError('VALIDATION_FAILED', `${error.field} ${error.reason}`, error.field).toBody());
  // Our adapters keep key material out of every error (invariant 5), so the error is logged
  // for operators; the caller gets a generic answer that echoes nothing.
  logger.error('unhandled error', { error: (error as Error)?.name ?? 'unknown', detail: (error as Error)?.message });
  return json(500, new ApiError('INTERNAL', 'internal error').toBody());
}

// Every request leaves one figure, Requests by outcome (ok, client_error, server_error), so
// 4xx/5xx rates can alarm.
function counted(result: HttpResult): HttpResult {
  const status = result.statusCode ?? 200;
  countOutcome('Requests', status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok');
  return result;
}

export function route<B extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, P, Q>,
  run: (input: RouteInput<Parsed<B>, Parsed<P>, Parsed<Q>>) => Promise<HttpResult>,
) {
  const core = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    try {
      logger.setCorrelationId(event.requestContext.requestId);
      logger.appendKeys({ operation: spec.operation });
      const caller = callerOf(event);
      requireRole(caller, spec.role);
      logger.appendKeys({ store_id: caller.store_id, role: caller.role });
      const body = parse(spec.body, readBody(event), 'body');
      const path = parse(spec.path, event.pathParameters, 'path');
      const query = parse(spec.query, event.queryStringParameters, 'query');
      return counted(await run({ caller, body, path, query, event, context }));
    } catch (error) {
      return counted(errorResult(error));
    }
  };
  return observed(core, {
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      logger.warn('answering before the Lambda timeout', { operation: spec.operation });
      return counted(unavailable());
    },
  });
}
