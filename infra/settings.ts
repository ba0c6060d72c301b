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
  /** The provider callback route's own limits: it is not a client route. */
  callbackThrottle: { rateLimit: number; burstLimit: number };
  /** Reserved concurrency of the notify function: a callback flood cannot starve the payment functions. */
  callbackReservedConcurrency?: number;
  /** Lets the app client use USER_PASSWORD_AUTH (off: SRP or the admin flow). */
  allowPasswordAuth: boolean;
  /** A custom domain for the API, with its ACM certificate (same region). */
  domain?: { name: string; certificateArn: string };
  /** Recovery: adopt this existing table instead of creating one. */
  adoptTable?: { name: string; keyArn?: string; streamArn?: string };
  /** Recovery: adopt this existing user pool instead of creating one. */
  userPoolId?: string;
  /** A second region every terminal secret (and the vendor secret) is replicated to. */
  secretReplicaRegion?: string;
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
  callbackRateLimit: 10,
  callbackBurstLimit: 20,
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
    callbackThrottle: {
      rateLimit: positive('callbackRateLimit', text('callbackRateLimit'), DEFAULTS.callbackRateLimit),
      burstLimit: positive('callbackBurstLimit', text('callbackBurstLimit'), DEFAULTS.callbackBurstLimit),
    },
    allowPasswordAuth: flag('allowPasswordAuth', text('allowPasswordAuth')),
  };
  const reserved = text('callbackReservedConcurrency');
  if (reserved !== undefined) {
    // The route is open to anyone: what its throttle admits (a burst, and a second of new
    // requests while those executions start) must not be throttled by Lambda, which API
    // Gateway would answer with a 5xx.
    const admitted = settings.callbackThrottle.burstLimit + settings.callbackThrottle.rateLimit;
    const concurrency = positive('callbackReservedConcurrency', reserved, 0);
    if (concurrency < admitted) throw new SettingError('callbackReservedConcurrency', `must be at least callbackBurstLimit + callbackRateLimit (${admitted})`);
    settings.callbackReservedConcurrency = concurrency;
  }
  const domain = customDomain(text('domainName'), text('certificateArn'));
  if (domain) settings.domain = domain;
  const adoptTable = adoptedTable(text('tableName'), text('tableKeyArn'), text('tableStreamArn'));
  if (adoptTable) settings.adoptTable = adoptTable;
  const userPoolId = text('userPoolId');
  if (userPoolId) {
    if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) throw new SettingError('userPoolId', 'is not a user pool id such as ap-southeast-1_AbC123');
    if (settings.jwt) throw new SettingError('userPoolId', 'an adopted user pool and jwtIssuer exclude each other');
    settings.userPoolId = userPoolId;
  }
  const replica = text('secretReplicaRegion');
  if (replica) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(replica)) throw new SettingError('secretReplicaRegion', 'is not a region name such as ap-southeast-1');
    settings.secretReplicaRegion = replica;
  }
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

function flag(key: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new SettingError(key, 'must be true or false');
}

const arnOf = (service: string, key: string, value: string) => {
  if (!new RegExp(`^arn:aws[\\w-]*:${service}:`).test(value)) throw new SettingError(key, `must be an ARN of ${service}`);
  return value;
};

function customDomain(name: string | undefined, certificateArn: string | undefined): Settings['domain'] {
  if (name === undefined && certificateArn === undefined) return undefined;
  if (name === undefined || certificateArn === undefined) throw new SettingError(name ? 'certificateArn' : 'domainName', 'domainName and certificateArn go together');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i.test(name)) throw new SettingError('domainName', 'is not a host name such as pay.example.com');
  return { name: name.toLowerCase(), certificateArn: arnOf('acm', 'certificateArn', certificateArn) };
}

function adoptedTable(name: string | undefined, keyArn: string | undefined, streamArn: string | undefined): Settings['adoptTable'] {
  if (name === undefined) {
    if (keyArn ?? streamArn) throw new SettingError(keyArn ? 'tableKeyArn' : 'tableStreamArn', 'only goes with tableName');
    return undefined;
  }
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name)) throw new SettingError('tableName', 'is not a DynamoDB table name');
  // A stream of the table replaced by a restore would be read without error and carry nothing.
  if (streamArn && !arnOf('dynamodb', 'tableStreamArn', streamArn).includes(`:table/${name}/stream/`)) throw new SettingError('tableStreamArn', `is not a stream of table ${name}`);
  return { name, ...(keyArn ? { keyArn: arnOf('kms', 'tableKeyArn', keyArn) } : {}), ...(streamArn ? { streamArn } : {}) };
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
