// `npm run sandbox -- --port N [--json]`: the sandbox on its own, for other integrators.
import { parseArgs } from 'node:util';
import { startSandbox } from './index.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '18080' }, json: { type: 'boolean', default: false } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a TCP port number, got ${values.port}`);
  process.exit(2);
}

const sandbox = await startSandbox({ port });

if (values.json) {
  console.log(
    JSON.stringify({
      base_url: sandbox.url,
      vendor_sn: sandbox.vendor.vendor_sn,
      vendor_key: sandbox.vendor.vendor_key,
      app_id: sandbox.vendor.app_id,
      activation_codes: sandbox.activationCodes,
      public_key_pem: sandbox.publicKeyPem,
    }),
  );
} else {
  console.log(`Upay sandbox listening on ${sandbox.url}`);
  // The vendor key goes only to a program that asks for it (--json), never to a terminal log.
  console.log(`vendor_sn ${sandbox.vendor.vendor_sn}  app_id ${sandbox.vendor.app_id}  (the vendor's signing key: run with --json)`);
  console.log(`activation codes: ${sandbox.activationCodes.join(' ')}`);
  console.log('callback public key (SPKI):');
  console.log(sandbox.publicKeyPem.trimEnd());
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
