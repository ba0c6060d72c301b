// How much a terminal's stored key can be trusted, from the provider's rule (protocol §3.2):
// after each check-in only the current and the previous key are valid. A check-in whose new key
// we did not store ("a possible loss") may have moved the provider one rotation past our
// stored key; the key survives one such rotation (as "previous"), never two.
//
//   active               no possible loss since the stored key was issued: it is the provider's current
//   checkin_unconfirmed  one possible loss: the stored key is current or previous; it still signs
//   parked               two possible losses (or the provider refused the key): it may be dead
//
// A check-in whose new key is stored makes the terminal active; one that certainly applied
// nothing changes nothing; a possible loss moves one step down. Only an admin's check-in
// touches a parked terminal (docs/reliability.md, "Terminal keys").
import type { TerminalStatus } from '../store/terminal-registry.js';

/** The status after one more possible loss. */
export function afterPossibleLoss(status: TerminalStatus): TerminalStatus {
  return status === 'active' ? 'checkin_unconfirmed' : 'parked';
}
