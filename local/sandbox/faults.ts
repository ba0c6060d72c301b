export const FAULT_KINDS = ['delay', 'http_500', 'http_500_applied', 'maintenance', 'malformed', 'bad_gateway', 'close', 'drop_reply'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

// Whether the request's effect happens before the fault hits the reply. The kinds that
// apply the effect are the dangerous ones for a client: it sees a failure, yet the order moved.
export const APPLIES_EFFECT: Readonly<Record<FaultKind, boolean>> = {
  delay: true,
  malformed: true,
  drop_reply: true,
  // The provider's own 500 after it acted (e.g. rotated a terminal key): why a 500 proves nothing.
  http_500_applied: true,
  http_500: false,
  maintenance: false,
  bad_gateway: false,
  close: false,
};

export interface FaultSpec {
  kind: FaultKind;
  terminalSn?: string;
  path?: string;
  count?: number;
  delayMs: number;
}

export interface Fault extends FaultSpec {
  readonly id: string;
}

export class FaultPlan {
  #faults: Fault[] = [];
  #issued = 0;

  add(spec: FaultSpec): string {
    const id = `fault-${++this.#issued}`;
    this.#faults.push({ ...spec, id });
    return id;
  }

  clear(): void {
    this.#faults = [];
  }

  // The oldest matching fault wins; each match uses up one of its `count`.
  take(path: string, terminalSn: string | undefined): Fault | undefined {
    const fault = this.#faults.find(
      (f) => (f.path === undefined || f.path === path) && (f.terminalSn === undefined || f.terminalSn === terminalSn),
    );
    if (fault?.count !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    }
    return fault;
  }
}
