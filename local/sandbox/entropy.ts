import { createHash, randomBytes } from 'node:crypto';

// Every generated identifier and key comes from one stream, so that a `seed` replays the
// same vendor, codes, terminal keys and order numbers for the same sequence of calls.
export class Entropy {
  readonly #seed: Buffer;
  #block = 0;
  #pool = Buffer.alloc(0);

  constructor(seed?: string | number) {
    this.#seed = seed === undefined ? randomBytes(32) : Buffer.from(`upay-sandbox:${seed}`);
  }

  #bytes(count: number): Buffer {
    while (this.#pool.length < count) {
      const block = createHash('sha256').update(this.#seed).update(String(this.#block++)).digest();
      this.#pool = Buffer.concat([this.#pool, block]);
    }
    const taken = this.#pool.subarray(0, count);
    this.#pool = this.#pool.subarray(count);
    return taken;
  }

  digits(count: number): string {
    let out = '';
    while (out.length < count) {
      for (const byte of this.#bytes(count - out.length)) {
        // 250 is the largest multiple of 10 below 256: rejecting above it keeps digits uniform.
        if (byte < 250) out += String(byte % 10);
      }
    }
    return out;
  }

  hex(count: number): string {
    return this.#bytes(Math.ceil(count / 2)).toString('hex').slice(0, count);
  }
}
