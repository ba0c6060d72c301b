// Which store a terminal belongs to, cached for a TTL so the warm payment path reads nothing.
import { describe, expect, it } from 'vitest';
import { terminalDirectory } from '../../lib/terminals/directory.js';
import { FakeRegistry } from './support/fake-terminals.js';
import { FakeClock } from './support/fakes.js';
import { START } from './support/payments.js';
import { terminal } from './support/terminals.js';

const TTL = 300_000;
const SN = '100000000000000001';

function setup() {
  const clock = new FakeClock(START);
  const registry = new FakeRegistry().seed(terminal({ terminal_sn: SN, store_id: 'store-1' })).seed(terminal({ terminal_sn: '100000000000000002', store_id: 'store-2' }));
  return { clock, registry, directory: terminalDirectory(registry, TTL, clock.now) };
}

describe('the terminal directory', () => {
  it('answers the store from the registry once, then from its cache within the TTL', async () => {
    const { clock, registry, directory } = setup();
    expect(await directory.storeOf(SN)).toBe('store-1');
    clock.advance(TTL - 1);
    expect(await directory.storeOf(SN)).toBe('store-1');
    expect(registry.countOf('get')).toBe(1);
  });

  it('reads the registry again once the TTL has passed', async () => {
    const { clock, registry, directory } = setup();
    await directory.storeOf(SN);
    clock.advance(TTL);
    await directory.storeOf(SN);
    expect(registry.countOf('get')).toBe(2);
  });

  it('restarts the TTL from the re-read', async () => {
    const { clock, registry, directory } = setup();
    await directory.storeOf(SN);
    clock.advance(TTL);
    await directory.storeOf(SN);
    clock.advance(TTL - 1);
    await directory.storeOf(SN);
    expect(registry.countOf('get')).toBe(2);
  });

  it('caches per terminal', async () => {
    const { registry, directory } = setup();
    expect(await directory.storeOf(SN)).toBe('store-1');
    expect(await directory.storeOf('100000000000000002')).toBe('store-2');
    expect(await directory.storeOf(SN)).toBe('store-1');
    expect(registry.countOf('get')).toBe(2);
  });

  it('does not cache an unknown terminal, so one registered later is found at once', async () => {
    const { registry, directory } = setup();
    expect(await directory.storeOf('100000000000000003')).toBeUndefined();
    registry.seed(terminal({ terminal_sn: '100000000000000003', store_id: 'store-3' }));
    expect(await directory.storeOf('100000000000000003')).toBe('store-3');
  });

  it('knows a retired terminal from the same cached read, and learns a retirement here at once after forget', async () => {
    const { registry, directory } = setup();
    expect(await directory.storeOf(SN)).toBe('store-1');
    expect(await directory.isRetired(SN)).toBe(false);
    expect(registry.countOf('get')).toBe(1);
    registry.seed(terminal({ terminal_sn: SN, store_id: 'store-1', status: 'retired' }));
    expect(await directory.isRetired(SN)).toBe(false); // another instance learns it within the TTL
    directory.forget(SN);
    expect(await directory.isRetired(SN)).toBe(true);
    expect(await directory.storeOf(SN)).toBe('store-1');
    expect(registry.countOf('get')).toBe(2);
  });
});
