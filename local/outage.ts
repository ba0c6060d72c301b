// The outage scenario: the provider goes into maintenance (every call answered
// MAINTENANCE_INPROGRESS) while orders are open, for longer than their deadlines; refunds and
// new payments keep coming meanwhile. When it ends, the step timer must finish every order without
// a person: 0 discrepancies with the provider's books, 0 open, 0 needs_attention — the
// scenarios chosen here have no outcome the provider's rules leave to a person.
import type { LocalStack } from './stack.js';
import { chaosSession, emptyReport, isOpen, settleAndJudge, type ChaosReport } from './chaos.js';

export interface OutageOptions {
  /** How long the maintenance lasts, in real time. */
  outageMs: number;
  seed: number;
  /** Orders opened before the maintenance begins. */
  orders?: number;
  /** How often the sweep runs during the maintenance (its schedule's tick); the step timer runs by itself. */
  sweepEveryMs?: number;
  log?: (line: string) => void;
}

export interface OutageReport extends ChaosReport {
  outageMs: number;
  /** Orders (or refunds) still open when the maintenance began, and when it ended. */
  openWhenItBegan: number;
  openWhenItEnded: number;
}

// Payments still open when the maintenance begins (in progress for ever, a cancel in
// progress, a QR not yet paid), and payments booked before it that are refunded during it.
const OPEN_KINDS = ['pay-9300', 'pay-9302', 'precreate', 'pay-0000'] as const;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runOutage(stack: LocalStack, options: OutageOptions): Promise<OutageReport> {
  const log = options.log ?? (() => undefined);
  const session = chaosSession(stack);
  const { api, control } = session;
  const prefix = `outage-${options.seed}-`;
  const [terminal] = await session.terminals(1, `outage-${options.seed}`);
  const report: OutageReport = { ...emptyReport(), outageMs: options.outageMs, openWhenItBegan: 0, openWhenItEnded: 0 };
  const bump = (key: string) => (report.operations[key] = (report.operations[key] ?? 0) + 1);
  const clientSns: string[] = [];
  let sequence = 0;
  const nextSn = () => `${prefix}${(sequence += 1)}`;
  const pay = (suffix: string) => {
    const client_sn = nextSn();
    clientSns.push(client_sn);
    bump(`pay_${suffix}`);
    const dynamic_id = `28${String(sequence).padStart(12, '0')}${suffix}`;
    return api('POST', '/v1/payments', stack.tokens.cashier, { terminal_sn: terminal, client_sn, total_amount: 1_000 + sequence, dynamic_id, subject: 'outage', operator: 'bot' });
  };
  const precreate = () => {
    const client_sn = nextSn();
    clientSns.push(client_sn);
    bump('precreate_unpaid');
    return api('POST', '/v1/precreates', stack.tokens.cashier, { terminal_sn: terminal, client_sn, total_amount: 2_000 + sequence, payway: '3', subject: 'outage qr', operator: 'bot' });
  };

  // Before: open orders whose deadlines fall inside the maintenance window.
  const count = options.orders ?? 12;
  const opened = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const kind = OPEN_KINDS[i % OPEN_KINDS.length];
      return kind === 'precreate' ? precreate() : pay(kind === 'pay-9300' ? '9300' : kind === 'pay-9302' ? '9302' : '0000');
    }),
  );
  const paid = opened.filter((answer) => answer.body.order_status === 'PAID').map((answer) => answer.body.order_id);

  await control('POST', 'faults', { kind: 'maintenance' });
  const began = Date.now();
  report.faults.maintenance = 1;
  report.openWhenItBegan = (await session.readLedger(clientSns)).filter((order) => order !== undefined && isOpen(order)).length;
  log(`maintenance began with ${report.openWhenItBegan} orders open`);

  // During: refunds of the paid orders and new payments, while the timer and the sweep run on.
  const during = [
    () => pay('9300'),
    () => pay('0000'),
    ...paid.map((orderId, i) => () => {
      bump('refund');
      return api('POST', `/v1/orders/${orderId}/refunds`, stack.tokens.cashier, { refund_request_no: `${prefix}r${i}`, refund_amount: 300, operator: 'bot' });
    }),
  ];
  const requests = Promise.all(during.map((send) => send()));
  const tick = options.sweepEveryMs ?? 1_000;
  const left = () => Math.max(0, options.outageMs - (Date.now() - began));
  for (let ticks = 0; left() > 0; ticks += 1) {
    await stack.sweep();
    if (ticks % 60 === 0) log(`maintenance: ${Math.round((Date.now() - began) / 1000)} s`);
    await pause(Math.min(tick, left()));
  }
  await requests;
  report.openWhenItEnded = (await session.readLedger(clientSns)).filter((order) => order !== undefined && isOpen(order)).length;
  await control('DELETE', 'faults');
  log(`maintenance ended after ${Math.round((Date.now() - began) / 1000)} s with ${report.openWhenItEnded} orders open`);

  await settleAndJudge(stack, session, clientSns, prefix, report);
  return report;
}

export function outageSummary(report: OutageReport): string {
  const attention = Object.values(report.needsAttention).reduce((sum, n) => sum + n, 0);
  return [
    `outage run: provider maintenance for ${Math.round(report.outageMs / 1000)} s`,
    `operations: ${JSON.stringify(report.operations)}`,
    `open when it began: ${report.openWhenItBegan}, when it ended: ${report.openWhenItEnded}`,
    `orders compared: ${report.orders}`,
    `open after settling: ${report.open}`,
    `needs_attention: ${attention} ${JSON.stringify(report.needsAttention)}`,
    ...report.discrepancies.slice(0, 50).map((line) => `  discrepancy ${line}`),
    `discrepancies: ${report.discrepancies.length}`,
  ].join('\n');
}
