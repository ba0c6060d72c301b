// What the terminal GET shows of the traces an interrupted activation or check-in leaves: the
// `activating` status and the in-flight record, within the documented schema, never a key.
import { describe, expect, it } from 'vitest';
import { terminalView } from '../../lib/api/terminal-view.js';
import { terminalSchema } from '../../lib/api/schemas/terminals.js';
import { START } from './support/payments.js';
import { terminal } from './support/terminals.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('the terminal view', () => {
  it('shows an activation stopped in its key write as activating, as the schema documents it', () => {
    const view = terminalView(terminal({ status: 'activating' }), START);
    expect(terminalSchema.parse(view)).toMatchObject({ status: 'activating' });
  });

  it('shows a check-in left in flight, with when it started and which key (by its storage time) signed it', () => {
    const inFlight = { started_at: iso(START - 60_000), signed_with_key_stored_at: iso(START - 86_400_000) };
    const view = terminalView(terminal({ status: 'parked', checkin_in_flight: inFlight }), START);
    expect(terminalSchema.parse(view)).toMatchObject({ status: 'parked', checkin_in_flight: inFlight });
  });
});
