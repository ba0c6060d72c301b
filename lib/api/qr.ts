// The QR picture of a precreated order's `qr_code` (the provider returns only the value).
// The library is loaded on the first picture, so only precreate's requests ever pay for it.
// The value goes in as one byte-mode segment: every reader decodes the same text, and the
// library skips its search for an optimal mix of segment modes (a graph search that was
// most of a picture's CPU and garbage). The library draws the symbol with mask 0; qr-mask.ts
// redraws it with the mask the library would have chosen, at a fraction of its cost, and
// qr-svg.ts writes the SVG the library would have written.
import { applyBestMaskM, type ModuleMatrix } from './qr-mask.js';
import { svgOf } from './qr-svg.js';

const ERROR_CORRECTION = 'M';
const MARGIN = 2;

// Loaded once: a dynamic import() resolves the specifier again on every call.
const load = () => import('qrcode');
let library: ReturnType<typeof load> | undefined;

export async function qrPictures(value: string, png: boolean): Promise<{ qr_svg: string; qr_png?: string }> {
  const { default: QRCode } = await (library ??= load());
  const segments = [{ data: Buffer.from(value, 'utf8'), mode: 'byte' as const }];
  const { modules } = QRCode.create(segments, { errorCorrectionLevel: ERROR_CORRECTION, maskPattern: 0 });
  const maskPattern = applyBestMaskM(modules as ModuleMatrix) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
  const qr_svg = svgOf(modules as ModuleMatrix, MARGIN);
  return png ? { qr_svg, qr_png: await QRCode.toDataURL(segments, { errorCorrectionLevel: ERROR_CORRECTION, margin: MARGIN, maskPattern, width: 320 }) } : { qr_svg };
}
