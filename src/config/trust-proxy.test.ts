import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { parseTrustProxy, trustProxyOf } from "./trust-proxy.js";

describe("TRUST_PROXY", () => {
  it.each([
    ["", false],
    ["false", false],
    ["1", 1],
    ["10", 10],
    ["loopback", ["loopback"]],
    [
      " 10.0.0.0/8, 172.16.0.5 ,fd00::/8,uniquelocal",
      ["10.0.0.0/8", "172.16.0.5", "fd00::/8", "uniquelocal"],
    ],
  ])("reads %j", (raw, trust) => {
    expect(parseTrustProxy(raw)).toEqual({ trust });
  });

  it.each([
    ["true", /any client's X-Forwarded-For/],
    ["*", /name the proxies in front/],
    ["0", /1 to 10/],
    ["11", /1 to 10/],
    ["10.0.0.0/33", /"10\.0\.0\.0\/33" has a prefix length that is not 0-32/],
    ["fd00::/129", /not 0-128/],
    ["lb.internal", /"lb\.internal" is not an IP address or CIDR range/],
    ["10.0.0.0/8/1", /is not an IP address or CIDR range/],
  ])("refuses %j, saying why", (raw, why) => {
    const parsed = parseTrustProxy(raw);
    expect(parsed.problems?.join(" ")).toMatch(why);
  });

  it("names every bad entry at config load, and passes a good one to the server", () => {
    const bad = loadConfig({ TRUST_PROXY: "10.0.0.1,nope,10.0.0.0/99" }, { cwd: "/" });
    expect(bad.problems).toEqual([
      expect.stringContaining('"nope"'),
      expect.stringContaining('"10.0.0.0/99"'),
    ]);
    const good = loadConfig({ TRUST_PROXY: "2" }, { cwd: "/" });
    expect(good.problems).toEqual([]);
    expect(trustProxyOf(good.config)).toBe(2);
    expect(trustProxyOf(loadConfig({}, { cwd: "/" }).config)).toBe(false);
  });
});
