// The provider's envelope (protocol §2), read strictly: anything that is not the documented shape
// is a bad reply, whose outcome nobody can know.

import type { RawCodes } from './types.js';

export interface Envelope {
  result_code: '200' | '400' | '500';
  error_code?: string;
  error_message?: string;
  /** Present on 200 replies except uploadLog's. */
  biz?: BizResponse;
}

export interface BizResponse {
  result_code?: string;
  error_code?: string;
  error_message?: string;
  /** The rest of `biz_response` (`data`, or activation's `terminal_sn`/`terminal_key`). */
  fields: Record<string, unknown>;
}

export type EnvelopeRead = { ok: true; envelope: Envelope } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class EnvelopeViolation extends Error {}

function optionalString(record: Record<string, unknown>, name: string, where: string): string | undefined {
  const value = record[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new EnvelopeViolation(`${where}${name} is not a string`);
  return value;
}

export function readEnvelope(text: string): EnvelopeRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never quote the body: it may carry a terminal key.
    return { ok: false, reason: 'reply is not JSON' };
  }
  try {
    return { ok: true, envelope: envelopeOf(parsed) };
  } catch (error) {
    if (error instanceof EnvelopeViolation) return { ok: false, reason: error.message };
    throw error;
  }
}

function envelopeOf(parsed: unknown): Envelope {
  if (!isRecord(parsed)) throw new EnvelopeViolation('reply is not a JSON object');
  const resultCode = optionalString(parsed, 'result_code', '');
  if (resultCode !== '200' && resultCode !== '400' && resultCode !== '500') {
    throw new EnvelopeViolation('result_code is not 200, 400 or 500');
  }
  const envelope: Envelope = { result_code: resultCode };
  const errorCode = optionalString(parsed, 'error_code', '');
  const errorMessage = optionalString(parsed, 'error_message', '');
  if (errorCode !== undefined) envelope.error_code = errorCode;
  if (errorMessage !== undefined) envelope.error_message = errorMessage;
  if (resultCode !== '200') {
    // A refusal without its code cannot be told apart from any other: not the documented shape.
    if (!errorCode) throw new EnvelopeViolation(`a ${resultCode} reply has no error_code`);
    return envelope;
  }
  const biz = parsed.biz_response;
  if (biz === undefined) return envelope;
  if (!isRecord(biz)) throw new EnvelopeViolation('biz_response is not an object');
  const { result_code: _r, error_code: _c, error_message: _m, ...fields } = biz;
  envelope.biz = { fields };
  const bizResult = optionalString(biz, 'result_code', 'biz_response.');
  const bizCode = optionalString(biz, 'error_code', 'biz_response.');
  const bizMessage = optionalString(biz, 'error_message', 'biz_response.');
  if (bizResult !== undefined) envelope.biz.result_code = bizResult;
  if (bizCode !== undefined) envelope.biz.error_code = bizCode;
  if (bizMessage !== undefined) envelope.biz.error_message = bizMessage;
  return envelope;
}

export function rawCodes(envelope: Envelope): RawCodes {
  const raw: RawCodes = { result_code: envelope.result_code };
  if (envelope.error_code !== undefined) raw.error_code = envelope.error_code;
  if (envelope.error_message !== undefined) raw.error_message = envelope.error_message;
  if (envelope.biz?.result_code !== undefined) raw.biz_result_code = envelope.biz.result_code;
  if (envelope.biz?.error_code !== undefined) raw.biz_error_code = envelope.biz.error_code;
  if (envelope.biz?.error_message !== undefined) raw.biz_error_message = envelope.biz.error_message;
  return raw;
}
