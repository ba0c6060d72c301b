// precreate's QR picture: the order's qr_code, whole, as one byte-mode segment, drawn module
// for module as the SVG and the PNG.
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrPictures } from '../../lib/api/qr.js';

/** The dark modules the SVG path draws (`M x y h n m dx dy h n …`, one row segment at a time). */
function svgModules(svg: string): Set<string> {
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of path.matchAll(/([MmHh])(-?[\d.]+)(?:\s(-?[\d.]+))?/g)) {
    if (op === 'M' || op === 'm') {
      x = (op === 'M' ? 0 : x) + Number(a);
      y = (op === 'M' ? 0 : y) + Number(b);
    } else {
      for (let i = 0; i < Number(a); i += 1) dark.add(`${x + i},${Math.floor(y)}`);
      x += Number(a);
    }
  }
  return dark;
}

const VALUES = ['https://qr.upay-sandbox.invalid/0000000000000000000abcd', 'weixin://wxpay/bizpayurl?pr=123456789012', '订单 20261126'];

describe('the QR picture of a precreated order', () => {
  it.each(VALUES)('holds %s as one byte-mode segment, module for module in the SVG', async (value) => {
    const byteSymbol = QRCode.create([{ data: Buffer.from(value, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M' });
    const byteSegments = (byteSymbol as unknown as { segments: { mode: { id: string }; data: Uint8Array }[] }).segments;
    expect(byteSegments.map((segment) => segment.mode.id)).toEqual(['Byte']);
    expect(Buffer.from(byteSegments[0]?.data ?? []).toString('utf8')).toBe(value);

    const { qr_svg } = await qrPictures(value, false);
    const size = byteSymbol.modules.size;
    const expected = new Set<string>();
    for (let row = 0; row < size; row += 1) for (let col = 0; col < size; col += 1) if (byteSymbol.modules.get(row, col)) expected.add(`${col + 2},${row + 2}`);
    expect(svgModules(qr_svg)).toEqual(expected);
  });

  it('also comes as a PNG data URL when asked', async () => {
    const pictures = await qrPictures(VALUES[0] ?? '', true);
    expect(pictures.qr_png).toMatch(/^data:image\/png;base64,/);
    expect(pictures.qr_png).toBe(await QRCode.toDataURL([{ data: Buffer.from(VALUES[0] ?? '', 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M', margin: 2, width: 320 }));
  });
});
