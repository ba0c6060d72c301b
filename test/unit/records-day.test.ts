import { describe, expect, it } from 'vitest';
import { businessDay } from '../../lib/store/records.js';

describe('businessDay', () => {
  it("names the instant's calendar day in each time zone asked, one after the other", () => {
    // 2026-12-01T17:30Z is already 2 December in Shanghai, still 1 December in Los Angeles.
    const instant = Date.parse('2026-12-01T17:30:00Z');
    for (let round = 0; round < 2; round += 1) {
      expect(businessDay(instant, 'Asia/Shanghai')).toBe('2026-12-02');
      expect(businessDay(instant, 'America/Los_Angeles')).toBe('2026-12-01');
      expect(businessDay(instant, 'UTC')).toBe('2026-12-01');
    }
  });
});
