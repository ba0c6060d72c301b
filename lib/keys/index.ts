export type { KeyStore, StoredKey, TerminalKey, VendorCredentials } from './port.js';
export { KeyExistsError, KeyNotFoundError, KeyStoreError, KeyStoreUnavailableError } from './port.js';
export { SecretsManagerKeyStore, createSecretsManagerClient } from './secrets-manager.js';
export type { SecretsManagerKeyStoreOptions } from './secrets-manager.js';
export { LocalFileKeyStore } from './local-file.js';
export type { LocalFileKeyStoreOptions } from './local-file.js';
