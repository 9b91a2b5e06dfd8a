import { describe, expect, it } from "vitest";
import { ExitError } from "../errors.js";
import { parseExpires } from "./keys.js";

describe("keys create --expires", () => {
  const now = new Date("2026-01-01T00:00:00Z");

  it("reads a duration from now or a date", () => {
    expect(parseExpires("30d", now)).toBe("2026-01-31T00:00:00.000Z");
    expect(parseExpires("2027-01-31", now)).toBe("2027-01-31T00:00:00.000Z");
  });

  it("refuses a duration past the maximum with a sentence naming it (was 'Invalid time value')", () => {
    for (const text of ["99999999w", "3651d", "99999999999999999999999999s"]) {
      let caught: unknown;
      try {
        parseExpires(text, now);
      } catch (err) {
        caught = err;
      }
      expect(caught, text).toBeInstanceOf(ExitError);
      expect((caught as ExitError).exitCode).toBe(2);
      expect((caught as ExitError).message).toMatch(/longer than 3650d \(10 years\)/);
    }
    expect(parseExpires("3650d", now)).toBe("2035-12-30T00:00:00.000Z");
  });
});
