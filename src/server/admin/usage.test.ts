import { describe, expect, it } from "vitest";
import type { UsageQuery, UsageSummary } from "../../store/index.js";
import { parseSince, usageReporter } from "./usage.js";

const NOW = new Date("2025-06-01T12:00:00Z");

describe("parseSince", () => {
  it("reads a duration back from now, or a date", () => {
    expect(parseSince("1h", NOW).toISOString()).toBe("2025-06-01T11:00:00.000Z");
    expect(parseSince("7d", NOW).toISOString()).toBe("2025-05-25T12:00:00.000Z");
    expect(parseSince("2025-01-31", NOW).toISOString()).toBe("2025-01-31T00:00:00.000Z");
    expect(parseSince("2025-01-31T08:30:00Z", NOW).toISOString()).toBe("2025-01-31T08:30:00.000Z");
  });

  it("names the field for anything else", () => {
    for (const bad of ["yesterday", "-1h", "1y", "31/01/2025"]) {
      expect(() => parseSince(bad, NOW)).toThrow(/since ".*" is not a duration or a date/);
    }
  });
});

describe("usageReporter", () => {
  it("writes this process's buffer first, then summarises with the filters given", async () => {
    const calls: string[] = [];
    let asked: UsageQuery | undefined;
    const summary: UsageSummary = {
      keyId: "key_a",
      modelId: "21",
      requests: 3,
      errors: 1,
      rows: 2,
      p50LatencyMs: 1.234567,
      p95LatencyMs: 4,
      firstAt: NOW,
      lastAt: NOW,
    };
    const report = usageReporter({
      usage: {
        summarize: async (query) => {
          calls.push("summarize");
          asked = query;
          return [summary];
        },
      },
      flush: async () => {
        calls.push("flush");
        return false; // a failed flush does not stop the report
      },
      now: () => NOW,
    });
    const result = await report({ key_id: "key_a", since: "1h" });
    expect(calls).toEqual(["flush", "summarize"]);
    expect(asked).toEqual({ keyId: "key_a", since: new Date("2025-06-01T11:00:00Z") });
    expect(result).toEqual({
      key_id: "key_a",
      model_id: null,
      since: "2025-06-01T11:00:00.000Z",
      usage: [
        {
          key_id: "key_a",
          model_id: "21",
          requests: 3,
          errors: 1,
          rows: 2,
          p50_latency_ms: 1.23,
          p95_latency_ms: 4,
          first_at: NOW.toISOString(),
          last_at: NOW.toISOString(),
        },
      ],
    });
  });
});
