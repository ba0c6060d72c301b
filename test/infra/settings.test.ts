import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/settings.js';

const settings = (context: Record<string, unknown> = {}) => readSettings(new App({ context }).node);
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const directory = mkdtempSync(join(tmpdir(), 'upay-settings-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('deploy-time settings', () => {
  it('defaults to the production provider, the upay/ prefix, a 03:00 Shanghai check-in, Shanghai business days and 90-day logs', () => {
    expect(settings()).toEqual({
      upayBaseUrl: 'https://vsi-api.shouqianba.com',
      secretPrefix: 'upay',
      checkin: { hour: 3, minute: 0, timeZone: 'Asia/Shanghai' },
      businessTimeZone: 'Asia/Shanghai',
      logRetention: RetentionDays.THREE_MONTHS,
      throttle: { rateLimit: 50, burstLimit: 100 },
      callbackThrottle: { rateLimit: 10, burstLimit: 20 },
      allowPasswordAuth: false,
    });
  });

  it('takes the recovery, domain, callback and replica keys, and refuses malformed ones', () => {
    expect(
      settings({
        tableName: 'upay-restored',
        tableKeyArn: 'arn:aws:kms:ap-southeast-1:111122223333:key/1234',
        tableStreamArn: 'arn:aws:dynamodb:ap-southeast-1:111122223333:table/upay-restored/stream/2026-01-01T00:00:00.000',
        userPoolId: 'ap-southeast-1_AbC123',
        domainName: 'Pay.Example.com',
        certificateArn: 'arn:aws:acm:ap-southeast-1:111122223333:certificate/abcd',
        secretReplicaRegion: 'ap-east-1',
        callbackReservedConcurrency: '23',
        callbackRateLimit: 3,
        allowPasswordAuth: 'true',
      }),
    ).toMatchObject({
      adoptTable: { name: 'upay-restored', keyArn: expect.stringContaining(':kms:'), streamArn: expect.stringContaining('/stream/') },
      userPoolId: 'ap-southeast-1_AbC123',
      domain: { name: 'pay.example.com', certificateArn: expect.stringContaining(':acm:') },
      secretReplicaRegion: 'ap-east-1',
      callbackReservedConcurrency: 23,
      callbackThrottle: { rateLimit: 3, burstLimit: 20 },
      allowPasswordAuth: true,
    });
    expect(() => settings({ domainName: 'pay.example.com' })).toThrow(/certificateArn/);
    expect(() => settings({ domainName: 'pay example', certificateArn: 'arn:aws:acm:x:1:certificate/a' })).toThrow(/domainName/);
    expect(() => settings({ tableStreamArn: 'arn:aws:dynamodb:x:1:table/t/stream/s' })).toThrow(/only goes with tableName/);
    expect(() => settings({ tableName: 'table-1', tableKeyArn: 'key-1' })).toThrow(/tableKeyArn/);
    // The stream of another table (the one replaced by the restore) would publish nothing, silently.
    expect(() => settings({ tableName: 'upay-restored', tableStreamArn: 'arn:aws:dynamodb:ap-southeast-1:111122223333:table/upay-ledger/stream/2026-01-01T00:00:00.000' })).toThrow(/tableStreamArn/);
    expect(() => settings({ userPoolId: 'pool' })).toThrow(/userPoolId/);
    expect(() => settings({ secretReplicaRegion: 'mars' })).toThrow(/secretReplicaRegion/);
    expect(() => settings({ allowPasswordAuth: 'yes' })).toThrow(/allowPasswordAuth/);
    expect(() => settings({ callbackReservedConcurrency: 0 })).toThrow(/callbackReservedConcurrency/);
  });

  // The callback route is open to anyone. What its throttle admits must find a free execution
  // of the notify function: a throttled invocation is a 5xx at API Gateway (Api5xx) and a
  // notify-Throttles alarm, which strangers could then raise at will.
  it('refuses a callback reserved concurrency below what the callback route admits in a burst and the second after it', () => {
    expect(() => settings({ callbackReservedConcurrency: 5 })).toThrow(/callbackReservedConcurrency/);
    expect(() => settings({ callbackReservedConcurrency: 29 })).toThrow(/callbackReservedConcurrency/);
    expect(settings({ callbackReservedConcurrency: 30 })).toMatchObject({ callbackReservedConcurrency: 30 });
    expect(settings({ callbackReservedConcurrency: 8, callbackRateLimit: 3, callbackBurstLimit: 5 })).toMatchObject({ callbackReservedConcurrency: 8 });
  });

  it('takes numbers given on the command line as strings', () => {
    expect(settings({ apiRateLimit: '20', apiBurstLimit: 40, logRetentionDays: '30' })).toMatchObject({ throttle: { rateLimit: 20, burstLimit: 40 }, logRetention: RetentionDays.ONE_MONTH });
  });

  it('refuses a provider URL that is not https', () => {
    expect(() => settings({ upayBaseUrl: 'http://vsi-api.shouqianba.com' })).toThrow(/upayBaseUrl.*https/);
  });

  it('refuses a check-in time or zone it cannot schedule', () => {
    expect(() => settings({ checkinTime: '3am' })).toThrow(/checkinTime/);
    expect(() => settings({ checkinTime: '24:00' })).toThrow(/checkinTime/);
    expect(() => settings({ checkinTimeZone: 'Mars/Olympus' })).toThrow(/checkinTimeZone/);
    expect(() => settings({ businessTimeZone: 'Mars/Olympus' })).toThrow(/businessTimeZone/);
    expect(settings({ businessTimeZone: 'Europe/Berlin' }).businessTimeZone).toBe('Europe/Berlin');
  });

  it('refuses a log retention CloudWatch does not offer', () => {
    expect(() => settings({ logRetentionDays: 45 })).toThrow(/logRetentionDays/);
  });

  it('refuses a secret prefix that would not make valid secret names', () => {
    expect(() => settings({ secretPrefix: 'upay/' })).toThrow(/secretPrefix/);
    expect(() => settings({ secretPrefix: 'my prefix' })).toThrow(/secretPrefix/);
    expect(settings({ secretPrefix: 'shop-1/upay' }).secretPrefix).toBe('shop-1/upay');
  });

  it('needs both the issuer and the audience of an external identity provider', () => {
    expect(() => settings({ jwtIssuer: 'https://login.example.com/' })).toThrow(/jwtAudience/);
    expect(() => settings({ jwtAudience: 'app' })).toThrow(/jwtIssuer/);
    expect(settings({ jwtIssuer: 'https://login.example.com/', jwtAudience: 'a,b' }).jwt).toEqual({ issuer: 'https://login.example.com/', audience: ['a', 'b'] });
  });

  it('takes the provider key as PEM text, also with escaped newlines, or from a file', () => {
    const file = join(directory, 'upay.pem');
    writeFileSync(file, rsaPem);
    const expected = `${rsaPem.trim()}\n`;
    expect(settings({ upayPublicKey: rsaPem }).upayPublicKeyPem).toBe(expected);
    expect(settings({ upayPublicKey: rsaPem.trim().replace(/\n/g, '\\n') }).upayPublicKeyPem).toBe(expected);
    expect(settings({ upayPublicKeyFile: file }).upayPublicKeyPem).toBe(expected);
  });

  it('refuses a provider key that is not an RSA public key, so callbacks do not fail later', () => {
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => settings({ upayPublicKey: ecPem })).toThrow(/upayPublicKey.*RSA public key/);
    expect(() => settings({ upayPublicKey: rsaPem.slice(0, 200) })).toThrow(/upayPublicKey/);
    expect(() => settings({ upayPublicKeyFile: join(directory, 'missing.pem') })).toThrow(/upayPublicKeyFile.*cannot read/);
    expect(() => settings({ upayPublicKey: rsaPem, upayPublicKeyFile: 'x.pem' })).toThrow(/not both/);
  });

  it('refuses an alarm address that is not an e-mail address', () => {
    expect(() => settings({ alarmEmail: 'ops' })).toThrow(/alarmEmail/);
  });
});
