// A QR symbol's modules as SVG, exactly as the qrcode library's SVG renderer writes them with
// its default colours (black on white) and no width: one path per row run of dark modules.
// Built as a list of commands joined once, not a string grown by a concatenation per command
// (the library's way, ~40 KB of garbage per picture); the run commands, which repeat, are
// written once per length and reused.
import type { ModuleMatrix } from './qr-mask.js';

const lines: string[] = [];
const moves: string[] = [];
const line = (length: number) => (lines[length] ??= `h${length}`);
const move = (by: number) => (moves[by] ??= `m${by} 0`);

export function svgOf({ size, data }: ModuleMatrix, margin: number): string {
  const commands: string[] = [];
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
        commands.push(newRow ? `M${col + margin} ${0.5 + row + margin}` : move(moveBy));
        moveBy = 0;
        newRow = false;
      }
      if (!(col + 1 < size && data[i + 1])) {
        commands.push(line(lineLength));
        lineLength = 0;
      }
    } else moveBy += 1;
  }
  const side = size + margin * 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges"><path fill="#ffffff" d="M0 0h${side}v${side}H0z"/><path stroke="#000000" d="${commands.join('')}"/></svg>\n`;
}
