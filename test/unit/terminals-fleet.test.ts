// The daily fleet check-in with fakes: pages through the registry, skips recent and parked
// terminals, carries on past failures, counts every outcome, and hands back a cursor to resume
// from when the invocation runs short of time.
import { afterEach, describe, expect, it } from 'vitest';
import { checkInFleet, type FleetOptions } from '../../lib/terminals/fleet.js';
import { checkInTerminal } from '../../lib/terminals/checkin.js';
import type { Pacer } from '../../lib/terminals/pacer.js';
import type { Terminal } from '../../lib/store/terminal-registry.js';
import type { CheckinOutcome } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { rejected, START, transport } from './support/payments.js';
import { checkedIn, keyOf, terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const DAY = 86_400_000;
const MIN_INTERVAL = 20 * 3_600_000;
const sn = (n: number) => `1000000000000000${String(n).padStart(2, '0')}`;
const iso = (ms: number) => new Date(ms).toISOString();

class CountingPacer implements Pacer {
  taken = 0;
  async take(): Promise<void> {
    this.taken += 1;
  }
}

let w: TerminalWorld;
let pacer: CountingPacer;
afterEach(() => expectOnlyScriptedCalls(w.upay));

function fleet(terminals: Terminal[], reply: (terminalSn: string) => CheckinOutcome = (s) => checkedIn(s, `${s}-new`)): TerminalWorld {
  const fresh = terminalWorld();
  for (const t of terminals) {
    fresh.registry.seed(t);
    fresh.keys.seed(keyOf(t.terminal_sn, 0));
  }
  fresh.upay.always('checkin', ({ credentials }) => reply(credentials.sn));
  pacer = new CountingPacer();
  return fresh;
}

const options = (overrides: Partial<FleetOptions> = {}): FleetOptions => ({
  concurrency: 2,
  pacer,
  remainingMs: () => 600_000,
  reserveMs: 30_000,
  minIntervalMs: MIN_INTERVAL,
  pageSize: 100,
  ...overrides,
});

const checkedInSns = () => w.upay.callsOf('checkin').map((call) => call.credentials.sn).sort();

describe('a fleet run', () => {
  it('counts every outcome and carries on past each failure', async () => {
    w = fleet(
      [
        terminal({ terminal_sn: sn(1) }),
        terminal({ terminal_sn: sn(2) }),
        terminal({ terminal_sn: sn(3) }),
        terminal({ terminal_sn: sn(4), status: 'checkin_unconfirmed' }),
        terminal({ terminal_sn: sn(5), status: 'parked' }),
        terminal({ terminal_sn: sn(6), checked_in_at: iso(START - 3_600_000) }),
      ],
      (s) => (s === sn(2) ? rejected('UPAY_TERMINAL_STATUS_ABNORMAL') : s === sn(3) || s === sn(4) ? transport('timeout') : checkedIn(s, `${s}-new`)),
    );
    const report = await checkInFleet(w.deps, options());
    expect(report).toEqual({ checked_in: 1, failed: 1, unconfirmed: 1, parked: 1, skipped: 2, interrupted_activations: 0, keys_scheduled_for_deletion: 0 });
    expect(checkedInSns()).toEqual([sn(1), sn(2), sn(3), sn(4)]);
    expect(w.registry.mustTerminal(sn(3)).status).toBe('checkin_unconfirmed');
    expect(w.registry.mustTerminal(sn(4)).status).toBe('parked');
    expect(w.telemetry.total('FleetCheckedIn')).toBe(1);
    expect(w.telemetry.total('FleetCheckinFailed')).toBe(2);
    expect(w.telemetry.total('FleetParked')).toBe(1);
  });

  it('skips terminals checked in within the interval, checks in those at or past it and those never checked in', async () => {
    w = fleet([
      terminal({ terminal_sn: sn(1), checked_in_at: iso(START - MIN_INTERVAL + 1) }),
      terminal({ terminal_sn: sn(2), checked_in_at: iso(START - MIN_INTERVAL) }),
      terminal({ terminal_sn: sn(3), checked_in_at: undefined }),
      terminal({ terminal_sn: sn(4), checked_in_at: iso(START - 2 * DAY) }),
    ]);
    expect(await checkInFleet(w.deps, options())).toMatchObject({ checked_in: 3, skipped: 1 });
    expect(checkedInSns()).toEqual([sn(2), sn(3), sn(4)]);
  });

  it('retries an unconfirmed terminal only a whole interval after its lost check-in, and never touches a parked one', async () => {
    const lostAt = (ms: number) => ({ code: 'CHECKIN_UNCONFIRMED', message: 'reply lost: timeout', at: iso(ms) });
    w = fleet([
      terminal({ terminal_sn: sn(1), status: 'checkin_unconfirmed', checked_in_at: iso(START - 3 * DAY), last_error: lostAt(START - MIN_INTERVAL + 1) }),
      terminal({ terminal_sn: sn(2), status: 'checkin_unconfirmed', checked_in_at: iso(START - 3 * DAY), last_error: lostAt(START - MIN_INTERVAL) }),
      terminal({ terminal_sn: sn(3), status: 'checkin_unconfirmed', checked_in_at: iso(START - 60_000) }),
      terminal({ terminal_sn: sn(4), status: 'parked', checked_in_at: iso(START - 3 * DAY) }),
    ]);
    expect(await checkInFleet(w.deps, options())).toMatchObject({ checked_in: 2, skipped: 2 });
    expect(checkedInSns()).toEqual([sn(2), sn(3)]);
  });

  it('never checks in a retired terminal, however long ago its last check-in', async () => {
    w = fleet([terminal({ terminal_sn: sn(1), status: 'retired', checked_in_at: iso(START - 30 * DAY) }), terminal({ terminal_sn: sn(2), checked_in_at: iso(START - 3 * DAY) })]);
    expect(await checkInFleet(w.deps, options())).toMatchObject({ checked_in: 1, skipped: 1 });
    expect(checkedInSns()).toEqual([sn(2)]);
  });

  it("keeps a retired terminal's key while its orders can be refunded, then schedules its deletion once", async () => {
    const retiredAgo = (days: number) => ({ status: 'retired' as const, retired_at: iso(START - days * DAY) });
    w = fleet([terminal({ terminal_sn: sn(1), ...retiredAgo(99) }), terminal({ terminal_sn: sn(2), ...retiredAgo(101) }), terminal({ terminal_sn: sn(3), checked_in_at: iso(START - 3 * DAY) })]);
    const scheduled: string[] = [];
    const deps = { ...w.deps, keyRetirement: { scheduleDeletion: async (terminalSn: string) => (scheduled.push(terminalSn), { deletion_date: iso(START + 30 * DAY) }) } };
    expect(await checkInFleet(deps, options())).toMatchObject({ checked_in: 1, keys_scheduled_for_deletion: 1 });
    expect(scheduled).toEqual([sn(2)]);
    expect(w.registry.mustTerminal(sn(2)).key_deletion_at).toBe(iso(START + 30 * DAY));
    expect(w.registry.mustTerminal(sn(1)).key_deletion_at).toBeUndefined();
    expect(await checkInFleet(deps, options())).toMatchObject({ keys_scheduled_for_deletion: 0 });
    expect(scheduled).toEqual([sn(2)]);
    expect(checkedInSns()).toEqual([sn(3)]);
  });

  it("checks in the fleet even when a retired terminal's key cannot be scheduled for deletion, and tries again next run", async () => {
    w = fleet([terminal({ terminal_sn: sn(1), status: 'retired', retired_at: iso(START - 101 * DAY) }), terminal({ terminal_sn: sn(2), checked_in_at: iso(START - 3 * DAY) })]);
    let attempts = 0;
    const deps = {
      ...w.deps,
      keyRetirement: {
        scheduleDeletion: async () => {
          attempts++;
          if (attempts === 1) throw Object.assign(new Error('Secrets Manager unavailable'), { name: 'KeyStoreUnavailableError' });
          return { deletion_date: iso(START + 30 * DAY) };
        },
      },
    };
    expect(await checkInFleet(deps, options())).toMatchObject({ checked_in: 1, keys_scheduled_for_deletion: 0 });
    expect(checkedInSns()).toEqual([sn(2)]);
    expect(w.registry.mustTerminal(sn(1)).key_deletion_at).toBeUndefined();
    expect(w.telemetry.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ terminal_sn: sn(1), error: 'KeyStoreUnavailableError' }) }));
    expect(await checkInFleet(deps, options())).toMatchObject({ keys_scheduled_for_deletion: 1 });
    expect(w.registry.mustTerminal(sn(1)).key_deletion_at).toBe(iso(START + 30 * DAY));
  });

  it('does not retry, in a resumed run, a terminal whose check-in was lost earlier in the same run', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) }), terminal({ terminal_sn: sn(2) })], (s) => (s === sn(1) ? transport('timeout') : checkedIn(s, `${s}-new`)));
    let budget = 1;
    const first = await checkInFleet(w.deps, options({ concurrency: 1, remainingMs: () => (budget-- > 0 ? 600_000 : 0) }));
    expect(first).toMatchObject({ unconfirmed: 1, cursor: '' });
    const second = await checkInFleet(w.deps, options({ concurrency: 1, cursor: first.cursor ?? '' }));
    expect(second).toMatchObject({ checked_in: 1, unconfirmed: 0, skipped: 1 });
    expect(w.upay.callsOf('checkin').map((call) => call.credentials.sn)).toEqual([sn(1), sn(2)]);
    expect(w.registry.mustTerminal(sn(1)).status).toBe('checkin_unconfirmed');
  });

  it('overlapping another run that lost a check-in after this run listed the terminal, does not retry it in the same incident', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) })], () => transport('timeout'));
    const list = w.registry.listFleet.bind(w.registry);
    w.registry.listFleet = async (limit, cursor) => {
      const page = await list(limit, cursor);
      // The other run (a continuation, or an admin's check-in) checks it in now: the reply is lost.
      expect(await checkInTerminal(w.deps, sn(1))).toMatchObject({ kind: 'unconfirmed' });
      return page;
    };
    expect(await checkInFleet(w.deps, options())).toMatchObject({ unconfirmed: 0, parked: 0, skipped: 1 });
    expect(w.upay.callsOf('checkin')).toHaveLength(1);
    expect(w.registry.mustTerminal(sn(1))).toMatchObject({ status: 'checkin_unconfirmed' });
    expect(w.registry.row(sn(1))?.lease_owner).toBeUndefined();
  });

  it('counts a terminal busy with another check-in as skipped', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) })]);
    w.registry.seed(terminal({ terminal_sn: sn(1) }), { owner: 'admin', until: START + 60_000 });
    expect(await checkInFleet(w.deps, options())).toEqual({ checked_in: 0, failed: 0, unconfirmed: 0, parked: 0, skipped: 1, interrupted_activations: 0, keys_scheduled_for_deletion: 0 });
    expect(w.upay.calls).toEqual([]);
  });

  it('counts a terminal whose key is missing as failed and carries on with the others', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) }), terminal({ terminal_sn: sn(2) }), terminal({ terminal_sn: sn(3) })]);
    w.registry.seed(terminal({ terminal_sn: sn(9) })); // registered, but its key is missing
    const report = await checkInFleet(w.deps, options({ concurrency: 1 }));
    expect(report).toMatchObject({ checked_in: 3, failed: 1 });
    expect(w.telemetry.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'check-in finished', fields: expect.objectContaining({ terminal_sn: sn(9), outcome: 'failed', reason: 'KeyNotFoundError' }) }));
  });

  it('takes one pacer slot per check-in started, none for skipped terminals', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) }), terminal({ terminal_sn: sn(2) }), terminal({ terminal_sn: sn(3), status: 'parked' })]);
    await checkInFleet(w.deps, options());
    expect(pacer.taken).toBe(2);
  });

  it('starts a check-in only with the reserve left after the pacer\'s wait too', async () => {
    w = fleet(Array.from({ length: 5 }, (_, i) => terminal({ terminal_sn: sn(i + 1) })));
    // A slow pacer (few writes a second, many workers): each slot costs 20 s of the invocation.
    let elapsed = 0;
    const slowPacer: Pacer = { take: async () => void (elapsed += 20_000) };
    const remainingMs = () => 100_000 - elapsed;
    const startedWith: number[] = [];
    w.upay.always('checkin', ({ credentials }) => {
      startedWith.push(remainingMs());
      return checkedIn(credentials.sn, `${credentials.sn}-new`);
    });
    const report = await checkInFleet(w.deps, options({ concurrency: 1, pacer: slowPacer, remainingMs }));
    expect(startedWith.length).toBeGreaterThan(0);
    expect(Math.min(...startedWith)).toBeGreaterThanOrEqual(30_000);
    expect(report.cursor).toBe('');
  });

  it('runs at most `concurrency` check-ins at once', async () => {
    w = fleet(Array.from({ length: 7 }, (_, i) => terminal({ terminal_sn: sn(i + 1) })));
    let inFlight = 0;
    let most = 0;
    w.upay.always('checkin', async ({ credentials }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return checkedIn(credentials.sn, `${credentials.sn}-new`);
    });
    expect((await checkInFleet(w.deps, options({ concurrency: 3 }))).checked_in).toBe(7);
    expect(most).toBe(3);
  });
});

describe('paging and resuming', () => {
  const five = () => Array.from({ length: 5 }, (_, i) => terminal({ terminal_sn: sn(i + 1) }));
  const listCursors = () => w.registry.calls.filter((call) => call.method === 'listFleet').map((call) => call.args[1]);

  it('pages through the whole fleet', async () => {
    w = fleet(five());
    const report = await checkInFleet(w.deps, options({ pageSize: 2 }));
    expect(report.checked_in).toBe(5);
    expect(report.cursor).toBeUndefined();
    expect(listCursors()).toEqual([undefined, sn(2), sn(4)]);
  });

  it('starts after the cursor it is given', async () => {
    w = fleet(five());
    await checkInFleet(w.deps, options({ pageSize: 2, cursor: sn(3) }));
    expect(checkedInSns()).toEqual([sn(4), sn(5)]);
    expect(listCursors()[0]).toBe(sn(3));
  });

  it('stops starting check-ins when time runs short and hands back the start of the unfinished page', async () => {
    w = fleet(five());
    let budget = 3;
    const report = await checkInFleet(w.deps, options({ pageSize: 2, concurrency: 1, remainingMs: () => (budget-- > 0 ? 600_000 : 29_999) }));
    expect(report).toMatchObject({ checked_in: 3, cursor: sn(2) });
    expect(checkedInSns()).toEqual([sn(1), sn(2), sn(3)]);
    expect(listCursors()).toEqual([undefined, sn(2)]);
  });

  it('hands back an empty cursor when time runs short on the first page', async () => {
    w = fleet(five());
    const report = await checkInFleet(w.deps, options({ pageSize: 2, remainingMs: () => 0 }));
    expect(report).toMatchObject({ checked_in: 0, cursor: '' });
    expect(w.upay.calls).toEqual([]);
  });

  it('starts a check-in with exactly the reserve left', async () => {
    w = fleet([terminal({ terminal_sn: sn(1) })]);
    expect((await checkInFleet(w.deps, options({ remainingMs: () => 30_000 }))).checked_in).toBe(1);
  });

  it('resumed from its cursor, checks in the rest and rotates no key twice', async () => {
    w = fleet(five());
    let budget = 3;
    const first = await checkInFleet(w.deps, options({ pageSize: 2, concurrency: 1, remainingMs: () => (budget-- > 0 ? 600_000 : 0) }));
    const second = await checkInFleet(w.deps, options({ pageSize: 2, concurrency: 1, ...(first.cursor !== undefined ? { cursor: first.cursor } : {}) }));
    expect(second.cursor).toBeUndefined();
    expect(first.checked_in + second.checked_in).toBe(5);
    expect(second.skipped).toBe(1);
    const rotations = w.upay.callsOf('checkin').map((call) => call.credentials.sn);
    expect(rotations.sort()).toEqual([sn(1), sn(2), sn(3), sn(4), sn(5)]);
  });
});

describe('pages without a barrier', () => {
  const five = () => Array.from({ length: 5 }, (_, i) => terminal({ terminal_sn: sn(i + 1) }));
  const listCursors = () => w.registry.calls.filter((call) => call.method === 'listFleet').map((call) => call.args[1]);
  /** A provider whose check-in of `slow` answers only when `release` is called. */
  function holding(slow: string) {
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    w.upay.always('checkin', async ({ credentials }) => {
      if (credentials.sn === slow) await released;
      return checkedIn(credentials.sn, `${credentials.sn}-new`);
    });
    return { release: () => release() };
  }
  const settle = async () => {
    for (let i = 0; i < 50; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };

  it("lists and checks in the next page while a check-in of the page before is still running", async () => {
    w = fleet(five());
    const slow = holding(sn(1));
    const run = checkInFleet(w.deps, options({ pageSize: 2, concurrency: 2 }));
    await settle();
    expect(listCursors()).toEqual([undefined, sn(2), sn(4)]);
    expect(w.registry.mustTerminal(sn(3)).checked_in_at).toBe(iso(START));
    expect(w.registry.mustTerminal(sn(1)).checkin_in_flight).toBeDefined();
    slow.release();
    expect(await run).toMatchObject({ checked_in: 5 });
    expect(w.registry.mustTerminal(sn(1)).checkin_in_flight).toBeUndefined();
  });

  it("moves a page's legacy terminals only once every check-in of that page has ended", async () => {
    w = fleet([terminal({ terminal_sn: sn(3) })]);
    for (const n of [1, 2]) {
      w.registry.seedLegacy(terminal({ terminal_sn: sn(n) }));
      w.keys.seed(keyOf(sn(n), 0));
    }
    const slow = holding(sn(1));
    const run = checkInFleet(w.deps, options({ pageSize: 2, concurrency: 2 }));
    await settle();
    expect(w.registry.mustTerminal(sn(3)).checked_in_at).toBe(iso(START));
    expect([w.registry.isLegacy(sn(1)), w.registry.isLegacy(sn(2))]).toEqual([true, true]);
    slow.release();
    expect(await run).toMatchObject({ checked_in: 3 });
    expect([w.registry.isLegacy(sn(1)), w.registry.isLegacy(sn(2))]).toEqual([false, false]);
  });

  it('running short of time on a page, waits for the check-ins still running and hands back that page\'s start; the resumed run rotates no key twice', async () => {
    w = fleet(five());
    const slow = holding(sn(3));
    let budget = 3;
    const run = checkInFleet(w.deps, options({ pageSize: 2, concurrency: 2, remainingMs: () => (budget-- > 0 ? 600_000 : 0) }));
    await settle();
    let returned = false;
    void run.then(() => (returned = true));
    await settle();
    expect(returned).toBe(false);
    slow.release();
    const first = await run;
    expect(first).toMatchObject({ checked_in: 3, cursor: sn(2) });
    const second = await checkInFleet(w.deps, options({ pageSize: 2, concurrency: 2, cursor: first.cursor ?? '' }));
    expect(second).toMatchObject({ checked_in: 2, skipped: 1 });
    expect(checkedInSns()).toEqual([sn(1), sn(2), sn(3), sn(4), sn(5)]);
  });

  it('waits for the check-ins still running before it fails on a listing error', async () => {
    w = fleet(five());
    const slow = holding(sn(1));
    const originalList = w.registry.listFleet.bind(w.registry);
    let pages = 0;
    w.registry.listFleet = async (limit, cursor) => {
      if ((pages += 1) === 2) throw new Error('throttled');
      return originalList(limit, cursor);
    };
    let outcome: unknown;
    const run = checkInFleet(w.deps, options({ pageSize: 2, concurrency: 2 })).catch((error: unknown) => (outcome = error));
    await settle();
    expect(outcome).toBeUndefined();
    slow.release();
    await run;
    expect(outcome).toMatchObject({ message: 'throttled' });
    expect(w.registry.mustTerminal(sn(1))).toMatchObject({ status: 'active', checked_in_at: iso(START) });
  });
});

describe('terminals registered before the fleet was sharded', () => {
  it('are checked in and moved into their shard', async () => {
    w = fleet([terminal({ terminal_sn: sn(2) })]);
    w.registry.seedLegacy(terminal({ terminal_sn: sn(1) }));
    w.keys.seed(keyOf(sn(1), 0));
    expect((await checkInFleet(w.deps, options())).checked_in).toBe(2);
    expect(checkedInSns()).toEqual([sn(1), sn(2)]);
    expect(w.registry.isLegacy(sn(1))).toBe(false);
  });

  it('are checked in even when moving them fails (the next run moves them)', async () => {
    w = fleet([]);
    w.registry.seedLegacy(terminal({ terminal_sn: sn(1) }));
    w.keys.seed(keyOf(sn(1), 0));
    w.registry.failNext('shardLegacyTerminal', new Error('throttled'));
    expect((await checkInFleet(w.deps, options())).checked_in).toBe(1);
    expect(w.registry.isLegacy(sn(1))).toBe(true);
  });
});
