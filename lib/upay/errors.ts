/**
 * A request the provider would refuse, caught before anything is sent. The message names the
 * field and the rule, never the value (a value may be a key or personal data).
 */
export class UpayRequestError extends Error {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'UpayRequestError';
    this.field = field;
    this.reason = reason;
  }
}
