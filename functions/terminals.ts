// GET /v1/terminals (admin: own store; ops: every store or one): the fleet, by terminal_sn within a store or a fleet shard.
import { route, json } from '../lib/api/route.js';
import { appContext } from '../lib/api/context.js';
import { storeInScope } from '../lib/api/auth.js';
import { decodeCursor, encodeCursor, isString } from '../lib/api/cursor.js';
import { terminalView } from '../lib/api/terminal-view.js';
import { DEFAULT_LIMIT, terminalsQuery } from '../lib/api/schemas/records.js';
import { listTerminals } from '../lib/fleet/terminals.js';
import { isFleetCursor } from '../lib/store/fleet-partitions.js';

export const handler = route({ operation: 'terminals', role: ['admin', 'ops'], query: terminalsQuery }, async ({ query, caller }) => {
  const storeId = storeInScope(caller, query.store_id);
  const scope = { store: storeId ?? null, status: query.status ?? null };
  // One store's pages resume after a terminal_sn; every store's after a position in the fleet walk.
  const after = decodeCursor(query.cursor, scope, storeId !== undefined ? isString : isFleetCursor);
  const page = await listTerminals(appContext(), {
    limit: query.limit ?? DEFAULT_LIMIT,
    ...(storeId !== undefined ? { storeId } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(after !== undefined ? { after } : {}),
  });
  const now = Date.now();
  return json(200, { terminals: page.terminals.map((terminal) => terminalView(terminal, now)), next_cursor: page.last !== undefined ? encodeCursor(scope, page.last) : null });
});
