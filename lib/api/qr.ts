// The QR picture of a precreated order's `qr_code` (the provider returns only the value).
// The library is loaded on the first picture, so only precreate's requests ever pay for it.
// The value goes in as one byte-mode segment: every reader decodes the same text, and the
// library skips its search for an optimal mix of segment modes (a graph search that was
// most of a picture's CPU and garbage). The mask is the one the library would choose, found
// by qr-mask.ts at a fraction of the library's cost and handed to it.
import { bestMaskM, type ModuleMatrix } from './qr-mask.js';

const SEGMENT_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

// Loaded once: a dynamic import() resolves the specifier again on every call.
const load = () => import('qrcode');
let library: ReturnType<typeof load> | undefined;

export async function qrPictures(value: string, png: boolean): Promise<{ qr_svg: string; qr_png?: string }> {
  const { default: QRCode } = await (library ??= load());
  const segments = [{ data: Buffer.from(value, 'utf8'), mode: 'byte' as const }];
  const drawnWithMask0 = QRCode.create(segments, { errorCorrectionLevel: SEGMENT_OPTIONS.errorCorrectionLevel, maskPattern: 0 });
  const options = { ...SEGMENT_OPTIONS, maskPattern: bestMaskM(drawnWithMask0.modules as ModuleMatrix) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 };
  const qr_svg = await QRCode.toString(segments, { type: 'svg', ...options });
  return png ? { qr_svg, qr_png: await QRCode.toDataURL(segments, { ...options, width: 320 }) } : { qr_svg };
}
