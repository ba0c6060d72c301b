// Every provider call for a terminal signs with the cached current key. A key refused as
// ILLEGAL_SIGN may be stale in this instance's cache (another instance checked in), so the
// cache is dropped, the key re-read and the call repeated once: an ILLEGAL_SIGN reply means
// the provider did not process the request, so repeating it is safe.
import type { Credentials } from '../upay/index.js';
import type { KeyStore } from '../keys/index.js';
import type { Telemetry } from '../telemetry.js';

interface Outcome {
  kind: string;
  failure?: { kind: string };
}

export interface TerminalSigner {
  call<T extends Outcome>(terminalSn: string, send: (credentials: Credentials) => Promise<T>): Promise<T>;
}

export interface SignerDeps {
  keys: Pick<KeyStore, 'current' | 'forget'>;
  /** Marks the terminal when even a freshly read key is refused. */
  onKeyRefused: (terminalSn: string) => Promise<void>;
  telemetry: Telemetry;
}

const refused = (outcome: Outcome) => outcome.kind === 'transport' && outcome.failure?.kind === 'illegal_sign';

export function terminalSigner(deps: SignerDeps): TerminalSigner {
  return {
    async call(terminalSn, send) {
      const signWith = async () => {
        const key = await deps.keys.current(terminalSn);
        return send({ sn: terminalSn, key: key.terminal_key });
      };
      const first = await signWith();
      if (!refused(first)) return first;
      deps.keys.forget(terminalSn);
      const second = await signWith();
      if (refused(second)) {
        deps.telemetry.count('TerminalKeyRefused');
        deps.telemetry.error('terminal key refused by the provider after a fresh read', { terminal_sn: terminalSn });
        await deps.onKeyRefused(terminalSn);
      }
      return second;
    },
  };
}
