// The caller's identity comes from the JWT the API Gateway authorizer (or the local server,
// the same way) has already verified: we only read its claims here.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ApiError } from './errors.js';

export type Role = 'admin' | 'cashier';

export interface Caller {
  store_id: string;
  role: Role;
  subject: string;
}

export const STORE_CLAIM = 'custom:store_id';
export const GROUPS_CLAIM = 'cognito:groups';

// API Gateway hands array claims over as strings such as "[admin cashier]".
function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim.replace(/^\[|\]$/g, '').split(/\s+/).filter(Boolean);
}

// A store id becomes part of table keys: well-formed, printable and short, or refused.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isStoreId = (value: string) => value.length > 0 && value.length <= 128 && !LONE_SURROGATE.test(value) && !/\p{Cc}/u.test(value);

export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const storeId = claims[STORE_CLAIM];
  const groups = groupsOf(claims[GROUPS_CLAIM]);
  const role: Role | undefined = groups.includes('admin') ? 'admin' : groups.includes('cashier') ? 'cashier' : undefined;
  if (typeof storeId !== 'string' || !isStoreId(storeId) || role === undefined) {
    throw new ApiError('FORBIDDEN', 'the token carries no usable store or role');
  }
  return { store_id: storeId, role, subject: String(claims.sub ?? '') };
}

export function requireRole(caller: Caller, role: Role): void {
  if (role === 'admin' && caller.role !== 'admin') throw new ApiError('FORBIDDEN', 'this operation needs the admin role');
}
