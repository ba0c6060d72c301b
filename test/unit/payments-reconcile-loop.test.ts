// One reconcile invocation with fakes: it keeps looking for due work while a whole step still
// fits, so work that falls due during the invocation is taken within a second of its due time.
import { afterEach, describe, expect, it } from 'vitest';
import { IDLE_LOOK_MS, reconcileWhileTimeLeft } from '../../lib/payments/reconcile-loop.js';
import { stepBudgetMs } from '../../lib/payments/claim.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { found, openOrder, START, TIMING, upayOrder, world, type World } from './support/payments.js';

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

const INVOCATION_MS = 90_000;
const RESERVE_MS = 2_000;

function run(startedAt: number) {
  const ends = startedAt + INVOCATION_MS;
  return reconcileWhileTimeLeft(w.deps, { remainingMs: () => ends - w.clock.ms, reserveMs: RESERVE_MS, limit: 50, concurrency: 8 });
}

describe('a reconcile invocation', () => {
  it('takes work that falls due while it waits within a second, not when the oldest item it saw falls due', async () => {
    w = world({ now: START });
    w.ledger.seed(openOrder({ client_sn: 'later', work: { step: 'query', due_at: START + 50_000, deadline_at: START + 60_000, attempts: 0 } }));
    const takenAt: Record<string, number> = {};
    w.upay.always('query', ({ request }) => {
      takenAt[request.client_sn ?? ''] ??= w.clock.ms;
      return found(upayOrder({ client_sn: request.client_sn ?? '' }));
    });
    // A pay request records an order whose first step falls due 20 s into the invocation.
    w.ledger.before('oldestDue', 1, (ledger) => void ledger.seed(openOrder({ client_sn: 'new', work: { step: 'query', due_at: START + 20_000, deadline_at: START + 45_000, attempts: 0 } })));
    await run(START);
    expect(takenAt.new! - (START + 20_000)).toBeLessThanOrEqual(IDLE_LOOK_MS);
    expect(takenAt.later! - (START + 50_000)).toBeLessThanOrEqual(IDLE_LOOK_MS);
  });

  it('takes a step due late in the minute, past its next scheduled start, while one still fits', async () => {
    w = world({ now: START });
    const due = START + 62_000;
    w.ledger.seed(openOrder({ work: { step: 'query', due_at: due, deadline_at: due, attempts: 0 } }));
    w.upay.always('query', found(upayOrder()));
    const report = await run(START);
    expect(report.processed).toBe(1);
    expect(w.ledger.mustOrder(orderIdFor('sale-1')).order_status).toBe('PAID');
  });

  it('stops once a whole step no longer fits, leaving its time to spare', async () => {
    w = world({ now: START });
    await run(START);
    expect(START + INVOCATION_MS - w.clock.ms).toBeGreaterThanOrEqual(RESERVE_MS + stepBudgetMs(TIMING) - IDLE_LOOK_MS);
    expect(START + INVOCATION_MS - w.clock.ms).toBeLessThanOrEqual(RESERVE_MS + stepBudgetMs(TIMING) + IDLE_LOOK_MS);
  });
});
