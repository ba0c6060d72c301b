// The partition model's section of docs/performance.md.
import type { PartitionsResult } from './partitions.js';
import { shardsNeeded, type KeyLimit } from './partition-model.js';

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
const spreadOf = (key: KeyLimit) => (key.spread.kind === 'shards' ? `${key.spread.count} shards` : key.spread.kind);
const rate = (figure: number | null) => (figure === null ? 'never' : `${figure.toLocaleString('en-US')}/s`);
const round = (value: number) => Math.round(value * 1_000) / 1_000;

export function partitionsSection(result: PartitionsResult): string[] {
  const { model, baseline, assumptions, concurrency } = result;
  const target = concurrency.at.payments_per_second;
  const before = new Map(baseline.keys.map((key) => [key.key, key]));
  const keys = [...new Set(result.mix.flatMap((entry) => Object.keys(entry.lifecycle.units)))].sort();
  return [
    '## 7. Partition model',
    `Each operation of the mix run once through its whole life on the real handlers (DynamoDB Local behind the counting proxy, ReturnConsumedCapacity INDEXES; the sandbox over HTTP), its units summed per key. ${assumptions.in_progress}; ${assumptions.reconcile_tick}. ` +
      `A key's busiest value takes all of a constant key's load, 1/n of n shards', ${assumptions.busiest_store_share * 100} % of a per-store or per-store-day key's (assumption: no store takes more than that share of the payments), none of a per-order key's. ` +
      "DynamoDB's per-partition limits: 1,000 WCU/s, 3,000 RCU/s. The baseline applies main aaf0ad9's spreads (due and fleet one constant key each) to the same units.",
    table(
      ['operation', 'share', 'scenario', ...keys.map((key) => `${key} W / R`), 'DynamoDB calls', 'provider calls (request + after)'],
      result.mix.map((entry) => [
        entry.name,
        `${entry.share * 100} %`,
        entry.scenario,
        ...keys.map((key) => `${round(entry.lifecycle.units[key]?.write ?? 0)} / ${round(entry.lifecycle.units[key]?.read ?? 0)}`),
        entry.lifecycle.dynamodb_calls,
        `${entry.lifecycle.provider_calls_in_request} + ${entry.lifecycle.provider_calls_in_background}`,
      ]),
    ),
    table(
      ['key', 'spread', 'WCU / RCU per payment', "busiest value's share", 'payments/s before it saturates', 'baseline aaf0ad9', `even shards needed for ${target.toLocaleString('en-US')}/s`],
      model.keys.map((key) => [
        key.key,
        spreadOf(key),
        `${round(key.write_per_payment)} / ${round(key.read_per_payment)}`,
        round(key.busiest_share),
        rate(key.max_payments_per_second),
        `${rate(before.get(key.key)?.max_payments_per_second ?? null)} (${before.get(key.key)?.spread.kind})`,
        key.spread.kind === 'constant' || key.spread.kind === 'shards' ? shardsNeeded(key, target) : '—',
      ]),
    ),
    `Sustained: **${rate(model.sustained_payments_per_second)}**, first key to saturate: **${model.first_to_saturate ?? 'none'}** (baseline aaf0ad9: ${rate(baseline.sustained_payments_per_second)}, ${baseline.first_to_saturate ?? 'none'}).`,
    `Lambda concurrency (Little's law, from the counted calls at ${assumptions.provider_latency_ms} ms a provider call and ${assumptions.dynamodb_latency_ms} ms a DynamoDB call, plus ${assumptions.poll_interval_ms} ms of sleep before each poll made inside a request; pay waits in the request up to PAY_IN_REQUEST_MS = ${assumptions.pay_in_request_ms} ms): ` +
      `${round(concurrency.per_payment_per_second)} s of execution per payment, **${concurrency.per_1000_payments_per_second} concurrent per 1,000 payments/s**, ${concurrency.at.concurrent} at ${concurrency.at.payments_per_second} payments/s.`,
  ];
}
