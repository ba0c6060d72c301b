// A QR symbol's modules as SVG, exactly as the qrcode library's SVG renderer writes them with
// its default colours (black on white) and no width: one path, a command per row run of dark
// modules. The path is written as ASCII into a buffer kept for the next picture and read out
// as one string: the library grows a string by a concatenation per command, ~40 KB of
// garbage per picture.
import type { ModuleMatrix } from './qr-mask.js';

let scratch = Buffer.alloc(4096);
let length = 0;

const put = (code: number) => {
  scratch[length] = code;
  length += 1;
};
/** A non-negative integer in decimal. */
const putInt = (value: number) => {
  if (value >= 10) putInt(Math.floor(value / 10));
  put(48 + (value % 10));
};
const M = 77;
const m = 109;
const h = 104;
const SPACE = 32;
const DOT = 46;
const ZERO = 48;
const FIVE = 53;

export function svgOf({ size, data }: ModuleMatrix, margin: number): string {
  // At most two commands per module, none longer than 12 bytes (`M123 123.5`, `m123 0`).
  if (scratch.length < data.length * 24) scratch = Buffer.alloc(data.length * 24);
  length = 0;
  let moveBy = 0;
  let newRow = false;
  let lineLength = 0;
  for (let i = 0; i < data.length; i += 1) {
    const col = i % size;
    const row = (i - col) / size;
    if (!col && !newRow) newRow = true;
    if (data[i]) {
      lineLength += 1;
      if (!(i > 0 && col > 0 && data[i - 1])) {
        if (newRow) {
          // `M<x> <y + 0.5>`: the path runs along the middle of the row.
          put(M);
          putInt(col + margin);
          put(SPACE);
          putInt(row + margin);
          put(DOT);
          put(FIVE);
        } else {
          put(m);
          putInt(moveBy);
          put(SPACE);
          put(ZERO);
        }
        moveBy = 0;
        newRow = false;
      }
      if (!(col + 1 < size && data[i + 1])) {
        put(h);
        putInt(lineLength);
        lineLength = 0;
      }
    } else moveBy += 1;
  }
  const side = size + margin * 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges"><path fill="#ffffff" d="M0 0h${side}v${side}H0z"/><path stroke="#000000" d="${scratch.toString('latin1', 0, length)}"/></svg>\n`;
}
