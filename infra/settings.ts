// What a merchant may choose at deploy time, read from CDK context (`-c key=value` or the
// "context" of cdk.json) and checked here, so a bad value fails synth, not a payment.
// DEPLOY.md documents every key.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

export interface JwtIssuer {
  issuer: string;
  audience: string[];
}

export interface Settings {
  upayBaseUrl: string;
  /** The provider's callback-signing public key; without it no callback is asked for. */
  upayPublicKeyPem?: string;
  secretPrefix: string;
  /** An existing vendor secret to use instead of creating `<prefix>/vendor`. */
  vendorSecretName?: string;
  /** An external identity provider instead of the Cognito user pool this stack creates. */
  jwt?: JwtIssuer;
  checkin: { hour: number; minute: number; timeZone: string };
  /** The merchant's time zone: the calendar day of the records and the daily report. */
  businessTimeZone: string;
  alarmEmail?: string;
  logRetention: RetentionDays;
  throttle: { rateLimit: number; burstLimit: number };
}

const DEFAULTS = {
  upayBaseUrl: 'https://vsi-api.shouqianba.com',
  secretPrefix: 'upay',
  checkinTime: '03:00',
  checkinTimeZone: 'Asia/Shanghai',
  businessTimeZone: 'Asia/Shanghai',
  logRetentionDays: RetentionDays.THREE_MONTHS,
  apiRateLimit: 50,
  apiBurstLimit: 100,
} as const;

class SettingError extends Error {
  constructor(key: string, problem: string) {
    super(`context "${key}": ${problem} (see DEPLOY.md)`);
  }
}

export function readSettings(node: Node): Settings {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw new SettingError(key, 'must be a string');
    return String(value).trim();
  };
  const settings: Settings = {
    upayBaseUrl: httpsUrl('upayBaseUrl', text('upayBaseUrl') ?? DEFAULTS.upayBaseUrl).replace(/\/+$/, ''),
    secretPrefix: secretPrefix(text('secretPrefix') ?? DEFAULTS.secretPrefix),
    checkin: checkinTime(text('checkinTime') ?? DEFAULTS.checkinTime, text('checkinTimeZone') ?? DEFAULTS.checkinTimeZone),
    businessTimeZone: timeZone('businessTimeZone', text('businessTimeZone') ?? DEFAULTS.businessTimeZone),
    logRetention: logRetention(text('logRetentionDays')),
    throttle: {
      rateLimit: positive('apiRateLimit', text('apiRateLimit'), DEFAULTS.apiRateLimit),
      burstLimit: positive('apiBurstLimit', text('apiBurstLimit'), DEFAULTS.apiBurstLimit),
    },
  };
  const publicKey = upayPublicKey(text('upayPublicKey'), text('upayPublicKeyFile'));
  if (publicKey) settings.upayPublicKeyPem = publicKey;
  const vendorSecretName = text('vendorSecretName');
  if (vendorSecretName) settings.vendorSecretName = vendorSecretName;
  const jwt = jwtIssuer(text('jwtIssuer'), text('jwtAudience'));
  if (jwt) settings.jwt = jwt;
  const alarmEmail = text('alarmEmail');
  if (alarmEmail) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) throw new SettingError('alarmEmail', 'is not an e-mail address');
    settings.alarmEmail = alarmEmail;
  }
  return settings;
}

function httpsUrl(key: string, value: string): string {
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:') throw new SettingError(key, 'must be an https:// URL');
  return value;
}

// Secrets Manager name characters; the prefix is followed by "/terminals/<sn>" and "/vendor".
function secretPrefix(value: string): string {
  if (!/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/.test(value)) throw new SettingError('secretPrefix', 'may hold letters, digits, _+=.@- and inner slashes');
  return value;
}

function checkinTime(time: string, timeZone: string): Settings['checkin'] {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new SettingError('checkinTime', 'must be HH:MM (24 h)');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new SettingError('checkinTimeZone', 'must be an IANA time zone such as Asia/Shanghai');
  }
  return { hour: Number(match[1]), minute: Number(match[2]), timeZone };
}

function timeZone(key: string, value: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new SettingError(key, 'must be an IANA time zone such as Asia/Shanghai');
  }
  return value;
}

function logRetention(value: string | undefined): RetentionDays {
  if (value === undefined) return DEFAULTS.logRetentionDays;
  const days = Number(value);
  const allowed = Object.values(RetentionDays).filter((day): day is RetentionDays => typeof day === 'number');
  if (!allowed.includes(days)) throw new SettingError('logRetentionDays', `must be one of ${allowed.join(', ')}`);
  return days;
}

function positive(key: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new SettingError(key, 'must be a positive integer');
  return number;
}

// Checked with node:crypto now, so a pasted certificate or a cut-off key fails synth
// instead of every callback.
function upayPublicKey(pem: string | undefined, file: string | undefined): string | undefined {
  if (pem && file) throw new SettingError('upayPublicKey', 'give either upayPublicKey or upayPublicKeyFile, not both');
  const key = 'upayPublicKey' + (file ? 'File' : '');
  let text = pem?.replace(/\\n/g, '\n');
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new SettingError(key, `cannot read ${file}`);
    }
  }
  if (text === undefined) return undefined;
  text = text.trim();
  try {
    if (!text.startsWith('-----BEGIN PUBLIC KEY-----') || createPublicKey(text).asymmetricKeyType !== 'rsa') throw new Error();
  } catch {
    throw new SettingError(key, 'must be the provider\'s RSA public key as PEM ("-----BEGIN PUBLIC KEY-----")');
  }
  return `${text}\n`;
}

function jwtIssuer(issuer: string | undefined, audience: string | undefined): JwtIssuer | undefined {
  if (issuer === undefined && audience === undefined) return undefined;
  if (issuer === undefined || audience === undefined) throw new SettingError(issuer ? 'jwtAudience' : 'jwtIssuer', 'jwtIssuer and jwtAudience go together');
  const audiences = audience.split(',').map((item) => item.trim()).filter(Boolean);
  if (audiences.length === 0) throw new SettingError('jwtAudience', 'names no audience');
  // Kept verbatim: API Gateway compares it with the token's `iss` character by character.
  return { issuer: httpsUrl('jwtIssuer', issuer), audience: audiences };
}
