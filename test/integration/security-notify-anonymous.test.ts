// The callback route is the one route without a JWT: whatever an anonymous caller sends, and
// however the install is configured (no provider key — the default —, a key that is not a key,
// or the provider's key), the answer is a 4xx in our error shape and nothing is written or
// asked. A 5xx here would count towards the Api5xx alarm: anyone could page the operators.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from './helpers/local-stack.js';
import { effectProbe, errorShapeProblem, rawRequest, type RawAnswer } from './helpers/security.js';

const callback = JSON.stringify({ terminal_sn: '100000000000000001', client_sn: 'sale-1', sn: '7890000000000001', order_status: 'PAID', status: 'SUCCESS' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerSigned = `100000000000000001 ${sign('sha256', Buffer.from(callback), stranger.privateKey).toString('base64')}`;

/** [what, headers, body]: every request an anonymous caller might send. */
const anonymous: [string, Record<string, string>, string | Buffer | undefined][] = [
  ['a callback without an Authorization header', { 'content-type': 'application/json' }, callback],
  ['a callback with a random signature', { 'content-type': 'application/json', authorization: `100000000000000001 ${randomBytes(256).toString('base64')}` }, callback],
  ['a callback signed by a stranger’s key', { 'content-type': 'application/json', authorization: strangerSigned }, callback],
  ['a Bearer token', { 'content-type': 'application/json', authorization: 'Bearer abc.def.ghi' }, callback],
  ['no body at all', {}, undefined],
  ['garbage bytes that are not UTF-8', { 'content-type': 'application/json', authorization: strangerSigned }, randomBytes(512)],
  ['JSON null', { 'content-type': 'application/json' }, 'null'],
  ['a form-encoded body', { 'content-type': 'application/x-www-form-urlencoded' }, 'order_status=PAID&client_sn=sale-1'],
  ['an XML body', { 'content-type': 'text/xml' }, '<callback><order_status>PAID</order_status></callback>'],
  ['a body just over 16 KiB', { 'content-type': 'application/json' }, `{"padding":"${'x'.repeat(16 * 1024)}"}`],
  ['a body over 1 MiB', { 'content-type': 'application/json' }, Buffer.alloc(1024 * 1024 + 1, 0x41)],
  ['an Authorization header of 8 KiB', { 'content-type': 'application/json', authorization: `100000000000000001 ${'A'.repeat(8 * 1024)}` }, callback],
];

function configured(label: string, env: Record<string, string>): void {
  describe(`with ${label}`, () => {
    let stack: LocalStack;
    let tableName: string;

    beforeAll(async () => {
      tableName = `notify-anon-${randomUUID()}`;
      stack = await startTestStack({ tableName, env });
    });
    afterAll(() => stack?.close());

    it.each(anonymous)('answers %s with a 4xx in the error shape, writing and asking nothing', async (_what, headers, body) => {
      const answer: RawAnswer = await effectProbe(stack.sandbox.url, inject('dynamoEndpoint'), tableName).unchangedBy(() =>
        rawRequest(stack.apiUrl, { method: 'POST', path: '/v1/upay/notify', headers, ...(body !== undefined ? { body } : {}) }),
      );
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
      expect(answer.status, answer.text).toBeLessThan(500);
      expect(errorShapeProblem(answer)).toBeUndefined();
    });
  });
}

// An empty value leaves the variable unset: the default install, which has no provider key.
configured('no provider public key (the default install)', { UPAY_PUBLIC_KEY_PEM: '' });
configured('a provider public key that is not a key', { UPAY_PUBLIC_KEY_PEM: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' });
configured("the provider's public key", {});
