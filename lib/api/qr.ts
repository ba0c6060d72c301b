import QRCode from 'qrcode';

/** The QR picture of a precreated order's `qr_code` (the provider returns only the value). */
export async function qrPictures(value: string, png: boolean): Promise<{ qr_svg: string; qr_png?: string }> {
  const qr_svg = await QRCode.toString(value, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return png ? { qr_svg, qr_png: await QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 2, width: 320 }) } : { qr_svg };
}
