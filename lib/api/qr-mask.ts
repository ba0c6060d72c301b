// The data mask of a QR symbol, chosen as ISO/IEC 18004 §7.8 asks (the lowest penalty of the
// eight) and as the qrcode library chooses it, only cheaper: the library scores each mask on
// its BitMatrix through a call per module (about 0.5 ms of a precreate's CPU); this scores
// them on flat arrays. Given the symbol drawn with mask 0, it redraws it with the library's own
// choice, so the picture is the one the library draws unaided (test/unit/qr.test.ts compares).

/** What the qrcode library's `create()` returns about the modules (its BitMatrix). */
export interface ModuleMatrix {
  size: number;
  data: Uint8Array;
  reservedBit: Uint8Array;
}

const MASKS: readonly ((row: number, col: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

const G15 = 0b10100110111;
const G15_MASK = 0b101010000010010;
const bchDigit = (value: number) => 32 - Math.clz32(value);

/** The 15 format-information bits of error correction level M (indicator 00) and `mask`. */
function formatBitsM(mask: number): number {
  const data = mask; // (M's indicator 0b00 << 3) | mask
  let remainder = data << 10;
  while (bchDigit(remainder) - bchDigit(G15) >= 0) remainder ^= G15 << (bchDigit(remainder) - bchDigit(G15));
  return ((data << 10) | remainder) ^ G15_MASK;
}

/** Where the library writes format bit i: [vertical copy, horizontal copy] as flat indexes. */
function formatCells(size: number): [number, number][] {
  const at = (row: number, col: number) => row * size + col;
  return Array.from({ length: 15 }, (_, i) => [
    i < 6 ? at(i, 8) : i < 8 ? at(i + 1, 8) : at(size - 15 + i, 8),
    i < 8 ? at(8, size - i - 1) : i < 9 ? at(8, 15 - i) : at(8, 15 - i - 1),
  ]);
}

/** The four penalty rules of ISO/IEC 18004 §7.8.3, as the qrcode library scores them. */
function penalty(m: Uint8Array, size: number): number {
  let points = 0;
  for (let a = 0; a < size; a += 1) {
    let runRow = 0;
    let runCol = 0;
    let lastRow = -1;
    let lastCol = -1;
    let bitsRow = 0;
    let bitsCol = 0;
    for (let b = 0; b < size; b += 1) {
      const inRow = m[a * size + b] as number;
      const inCol = m[b * size + a] as number;
      if (inRow === lastRow) runRow += 1;
      else {
        if (runRow >= 5) points += 3 + runRow - 5;
        lastRow = inRow;
        runRow = 1;
      }
      if (inCol === lastCol) runCol += 1;
      else {
        if (runCol >= 5) points += 3 + runCol - 5;
        lastCol = inCol;
        runCol = 1;
      }
      bitsRow = ((bitsRow << 1) & 0x7ff) | inRow;
      bitsCol = ((bitsCol << 1) & 0x7ff) | inCol;
      if (b >= 10) {
        if (bitsRow === 0x5d0 || bitsRow === 0x05d) points += 40;
        if (bitsCol === 0x5d0 || bitsCol === 0x05d) points += 40;
      }
    }
    if (runRow >= 5) points += 3 + runRow - 5;
    if (runCol >= 5) points += 3 + runCol - 5;
  }
  let dark = 0;
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      const i = row * size + col;
      dark += m[i] as number;
      if (row < size - 1 && col < size - 1) {
        const block = (m[i] as number) + (m[i + 1] as number) + (m[i + size] as number) + (m[i + size + 1] as number);
        if (block === 0 || block === 4) points += 3;
      }
    }
  }
  return points + Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10) * 10;
}

/**
 * Per symbol size: for each mask, the modules that differ between it and mask 0 outside the
 * function patterns (which a version fixes), and where the format bits go.
 */
interface SizeTables {
  flips: Uint8Array[];
  cells: [number, number][];
}
const tables = new Map<number, SizeTables>();

function tablesFor(size: number, reservedBit: Uint8Array): SizeTables {
  let found = tables.get(size);
  if (!found) {
    const mask0 = MASKS[0] as (row: number, col: number) => boolean;
    const flips = MASKS.map((mask) => {
      const flip = new Uint8Array(size * size);
      for (let row = 0; row < size; row += 1) for (let col = 0; col < size; col += 1) if (!reservedBit[row * size + col] && mask(row, col) !== mask0(row, col)) flip[row * size + col] = 1;
      return flip;
    });
    found = { flips, cells: formatCells(size) };
    tables.set(size, found);
  }
  return found;
}

/** Writes `mask`'s modules and format bits over those of mask 0 in `candidate`. */
function drawMask(drawnWithMask0: ModuleMatrix, { flips, cells }: SizeTables, mask: number, candidate: Uint8Array): void {
  const { data } = drawnWithMask0;
  const flip = flips[mask] as Uint8Array;
  for (let i = 0; i < candidate.length; i += 1) candidate[i] = (data[i] as number) ^ (flip[i] as number);
  const bits = formatBitsM(mask);
  for (let i = 0; i < 15; i += 1) for (const cell of cells[i] as [number, number]) candidate[cell] = (bits >> i) & 1;
}

/**
 * Redraws a level-M symbol drawn with mask 0 (the qrcode library's `create(…, { maskPattern:
 * 0 })`) in place with the mask of lowest penalty, the first of equals; returns that mask.
 */
export function applyBestMaskM(drawnWithMask0: ModuleMatrix): number {
  const { size, reservedBit } = drawnWithMask0;
  const sizeTables = tablesFor(size, reservedBit);
  const candidate = new Uint8Array(size * size);
  let best = 0;
  let lowest = Infinity;
  for (let mask = 0; mask < sizeTables.flips.length; mask += 1) {
    drawMask(drawnWithMask0, sizeTables, mask, candidate);
    const score = penalty(candidate, size);
    if (score < lowest) {
      lowest = score;
      best = mask;
    }
  }
  drawMask(drawnWithMask0, sizeTables, best, candidate);
  drawnWithMask0.data.set(candidate);
  return best;
}
