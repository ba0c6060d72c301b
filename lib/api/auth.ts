// The caller's identity comes from the JWT the API Gateway authorizer (or the local server,
// the same way) has already verified: we only read its claims here.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ApiError } from './errors.js';

export type Role = 'admin' | 'cashier' | 'ops';

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
  const role: Role | undefined = groups.includes('admin') ? 'admin' : groups.includes('ops') ? 'ops' : groups.includes('cashier') ? 'cashier' : undefined;
  if (typeof storeId !== 'string' || !isStoreId(storeId) || role === undefined) {
    throw new ApiError('FORBIDDEN', 'the token carries no usable store or role');
  }
  return { store_id: storeId, role, subject: String(claims.sub ?? '') };
}

// A route names the roles it serves; an admin may do all a cashier may. Ops reads and
// resolves across stores and does nothing else: it is never implied by another role.
const SERVED_BY: Record<Role, readonly Role[]> = { cashier: ['cashier', 'admin'], admin: ['admin'], ops: ['ops'] };

export function requireRole(caller: Caller, roles: Role | readonly Role[]): void {
  const needed = typeof roles === 'string' ? [roles] : roles;
  if (!needed.some((role) => SERVED_BY[role].includes(caller.role))) throw new ApiError('FORBIDDEN', `this operation needs the ${needed.join(' or ')} role`);
}

/** The store a caller's request is about: its own, or for ops any store it names. Another store's data does not exist for the rest. */
export function storeInScope(caller: Caller, requested: string | undefined): string | undefined {
  if (caller.role === 'ops') return requested;
  if (requested !== undefined && requested !== caller.store_id) throw new ApiError('NOT_FOUND', 'no such store', 'store_id');
  return caller.store_id;
}
