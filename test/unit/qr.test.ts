// precreate's QR picture: the order's qr_code, whole, as one byte-mode segment, drawn module
// for module as the SVG and the PNG, with the mask the library itself would choose, and read
// back by a decoder (jsQR) from the SVG's own modules.
import QRCode from 'qrcode';
// jsqr is CommonJS whose exports are the function itself, also exported as `default`.
import jsqr from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrPictures } from '../../lib/api/qr.js';
import { applyBestMaskM, type ModuleMatrix } from '../../lib/api/qr-mask.js';

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

/** The SVG's modules as an RGBA image (4 pixels a module, white around), for a decoder to read. */
function rasterize(svg: string): { data: Uint8ClampedArray; width: number } {
  const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const scale = 4;
  const width = side * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (const cell of svgModules(svg)) {
    const [x, y] = cell.split(',').map(Number) as [number, number];
    for (let dy = 0; dy < scale; dy += 1) for (let dx = 0; dx < scale; dx += 1) data.fill(0, ((y * scale + dy) * width + x * scale + dx) * 4, ((y * scale + dy) * width + x * scale + dx) * 4 + 3);
  }
  return { data, width };
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

  it.each(VALUES)('reads back as %s', async (value) => {
    const { qr_svg } = await qrPictures(value, false);
    const { data, width } = rasterize(qr_svg);
    expect(jsqr.default(data, width, width)?.data).toBe(value);
  });

  it('is the picture the library draws when it chooses the mask itself, whichever mask that is', async () => {
    const masks = new Set<number>();
    for (let i = 0; i < 120; i += 1) {
      const value = i % 2 ? `https://qr.upay-sandbox.invalid/${(i * 7919).toString(16).padStart(24, '0')}` : `weixin://wxpay/bizpayurl?pr=${i}${'é'.repeat(i)}`;
      const segments = [{ data: Buffer.from(value, 'utf8'), mode: 'byte' as const }];
      const unaided = QRCode.create(segments, { errorCorrectionLevel: 'M' });
      masks.add(unaided.maskPattern ?? -1);
      const redrawn = QRCode.create(segments, { errorCorrectionLevel: 'M', maskPattern: 0 }).modules;
      expect(applyBestMaskM(redrawn as ModuleMatrix), value).toBe(unaided.maskPattern);
      expect(Buffer.from(redrawn.data).equals(Buffer.from(unaided.modules.data)), value).toBe(true);
      expect((await qrPictures(value, false)).qr_svg).toBe(await QRCode.toString(segments, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    }
    expect(masks.size).toBe(8);
  });

  // Values on which two masks share the lowest penalty (masks 0 and 2, 2 and 3, 3 and 6): the
  // library keeps the first; a "lowest or equal" choice would draw another, still readable, symbol.
  it.each(['0'.repeat(45), '0'.repeat(184), '😀é0axéaxéé😀0x0aé😀0😀é0xé😀0😀0éé0é0éa0😀😀xxx0éa😀😀😀xaxaaéx😀0axx0😀00xx0😀😀aéx😀aéa😀😀a😀a0ax0a😀0a😀😀😀😀éx😀x😀a00ééaa😀x😀xxx😀0😀axéxx0xaa00ééééx😀😀'])('takes the first of masks tied on penalty, as the library does (%#)', async (value) => {
    const segments = [{ data: Buffer.from(value, 'utf8'), mode: 'byte' as const }];
    expect((await qrPictures(value, false)).qr_svg).toBe(await QRCode.toString(segments, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
  });

  it('also comes as a PNG data URL when asked', async () => {
    const pictures = await qrPictures(VALUES[0] ?? '', true);
    expect(pictures.qr_png).toMatch(/^data:image\/png;base64,/);
    expect(pictures.qr_png).toBe(await QRCode.toDataURL([{ data: Buffer.from(VALUES[0] ?? '', 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M', margin: 2, width: 320 }));
  });
});
