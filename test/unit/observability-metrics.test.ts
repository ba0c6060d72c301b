// Metric names carry no outcome: an outcome is the `outcome` dimension (issue 13).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countOutcome, logger, metrics, telemetry } from '../../lib/api/observability.js';

interface Emf {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** What Metrics writes to stdout (every instance, the single-metric ones too), as EMF documents. */
function captureEmf(): Emf[] {
  const lines: Emf[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.includes('"_aws"')) lines.push(JSON.parse(line) as Emf);
    return true;
  });
  return lines;
}

afterEach(() => {
  metrics.clearMetrics();
});

describe('telemetry counts', () => {
  it('publish <Operation>_<outcome> as metric <Operation> with dimension outcome, on its own line', () => {
    const lines = captureEmf();
    telemetry.count('Pay_in_progress');
    expect(lines).toHaveLength(1);
    const [emf] = lines;
    expect(emf?._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name)).toEqual(['Pay']);
    expect(emf?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'outcome']));
    expect(emf).toMatchObject({ Pay: 1, outcome: 'in_progress', service: 'upay-backend' });
  });

  it('leave an invocation whose only figures were outcome lines without an empty-flush warning', () => {
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    telemetry.count('Requests_ok');
    metrics.publishStoredMetrics();
    expect(written.join('')).not.toMatch(/No application metrics/);
    expect(written.join('')).toContain('"Requests"');
  });

  it('keep a plain name as it is, in the invocation flush, without the outcome dimension', () => {
    const lines = captureEmf();
    telemetry.count('NeedsAttention');
    expect(lines).toHaveLength(0);
    metrics.publishStoredMetrics();
    expect(lines[0]).toMatchObject({ NeedsAttention: 1, service: 'upay-backend' });
    expect(lines[0]).not.toHaveProperty('outcome');
  });
});

describe('an outcome count refused midway', () => {
  // The single-metric instance is kept across counts: a count whose metric is refused after
  // its outcome dimension was added must not hand that outcome to the count after it.
  it('leaves the next count as a fresh instance would publish it: no stray outcome, no warning', () => {
    const warn = vi.spyOn(logger, 'warn');
    const lines = captureEmf();
    expect(() => countOutcome('', 'refunded')).toThrow();
    countOutcome('Requests', ''); // an outcome the count refuses: the line has none
    expect(() => countOutcome('', 'refunded')).toThrow();
    countOutcome('Requests', 'ok');
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toHaveProperty('outcome');
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(lines[1]).toMatchObject({ Requests: 1, outcome: 'ok', service: 'upay-backend' });
    expect(lines[1]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'outcome']]);
    expect(warn.mock.calls.map(([message]) => String(message))).not.toContainEqual(expect.stringMatching(/already been added/));
  });
});
