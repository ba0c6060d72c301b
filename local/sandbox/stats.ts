// Request counts by path, by outcome (the business or request result code the sandbox
// decided) and by injected fault, for chaos runs to check what the provider actually saw.
export class RequestStats {
  #requests = 0;
  readonly #byPath = new Map<string, number>();
  readonly #byOutcome = new Map<string, number>();
  readonly #byFault = new Map<string, number>();

  record(path: string, outcome: string | undefined, fault: string | undefined): void {
    this.#requests += 1;
    bump(this.#byPath, path);
    if (outcome !== undefined) bump(this.#byOutcome, outcome);
    if (fault !== undefined) bump(this.#byFault, fault);
  }

  snapshot() {
    return {
      requests: this.#requests,
      by_path: Object.fromEntries(this.#byPath),
      by_outcome: Object.fromEntries(this.#byOutcome),
      by_fault: Object.fromEntries(this.#byFault),
    };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
