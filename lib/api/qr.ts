// The QR picture of a precreated order's `qr_code` (the provider returns only the value).
// The library is loaded on the first picture, so only precreate's requests ever pay for it.
// The value goes in as one byte-mode segment: every reader decodes the same text, and the
// library skips its search for an optimal mix of segment modes (a graph search that was
// most of a picture's CPU and garbage).
const SEGMENT_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

export async function qrPictures(value: string, png: boolean): Promise<{ qr_svg: string; qr_png?: string }> {
  const { default: QRCode } = await import('qrcode');
  const segments = [{ data: Buffer.from(value, 'utf8'), mode: 'byte' as const }];
  const qr_svg = await QRCode.toString(segments, { type: 'svg', ...SEGMENT_OPTIONS });
  return png ? { qr_svg, qr_png: await QRCode.toDataURL(segments, { ...SEGMENT_OPTIONS, width: 320 }) } : { qr_svg };
}
