// Payway and sub_payway codes of protocol §5.
export const PAYWAYS: ReadonlySet<string> = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '15', '16', '17', '18']);
export const QQ_WALLET = '6';

export const SUB_PAYWAY = { barcode: '1', qr: '2', wap: '3', miniProgram: '4' } as const;
export const PRECREATE_SUB_PAYWAYS: ReadonlySet<string> = new Set([SUB_PAYWAY.qr, SUB_PAYWAY.wap, SUB_PAYWAY.miniProgram]);

interface BarcodeRule {
  payway: string;
  prefixes: readonly string[];
  minLength: number;
  maxLength: number;
}

const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

// The prefixes and lengths the wallets publish (protocol §5).
const BARCODE_RULES: readonly BarcodeRule[] = [
  { payway: '2', prefixes: range(25, 30), minLength: 16, maxLength: 24 }, // Alipay
  { payway: '3', prefixes: range(10, 15), minLength: 18, maxLength: 18 }, // WeChat Pay
  { payway: '17', prefixes: ['62'], minLength: 19, maxLength: 19 }, // UnionPay QR
  { payway: '5', prefixes: ['18'], minLength: 18, maxLength: 18 }, // JD Pay
  { payway: '6', prefixes: ['91'], minLength: 18, maxLength: 18 }, // QQ Wallet
  { payway: '4', prefixes: ['31'], minLength: 18, maxLength: 18 }, // Baidu Wallet
  { payway: '18', prefixes: ['51'], minLength: 18, maxLength: 18 }, // Bestpay
];

const DIGITS = /^[0-9]+$/;

export function walletForBarcode(barcode: string): string | undefined {
  if (!DIGITS.test(barcode)) return undefined;
  const prefix = barcode.slice(0, 2);
  return BARCODE_RULES.find(
    (rule) => rule.prefixes.includes(prefix) && barcode.length >= rule.minLength && barcode.length <= rule.maxLength,
  )?.payway;
}
