import { describe, expect, it } from 'vitest';
import { emitOpenAttention } from '../../lib/worklist/gauge.js';
import { RecordingTelemetry } from './support/fakes.js';

describe('the OpenAttention gauge', () => {
  it('reports how many cases are open now, zero included, so its alarm clears only when none is left', async () => {
    const telemetry = new RecordingTelemetry();
    await emitOpenAttention({ countOpenCases: async () => 3 }, telemetry);
    await emitOpenAttention({ countOpenCases: async () => 0 }, telemetry);
    expect(telemetry.metrics.filter((entry) => entry.name === 'OpenAttention').map((entry) => entry.value)).toEqual([3, 0]);
  });

  it('leaves a gap, not a zero, when the count cannot be read', async () => {
    const telemetry = new RecordingTelemetry();
    await emitOpenAttention({ countOpenCases: () => Promise.reject(new Error('throttled')) }, telemetry);
    expect(telemetry.metrics.filter((entry) => entry.name === 'OpenAttention')).toEqual([]);
    expect(telemetry.messages('error').includes('open cases not counted')).toBe(true);
  });
});
