import { describe, expect, it } from "vitest";
import { MAX_CORS_ORIGINS, corsProblems, parseCorsOrigins } from "./cors.js";
import { loadConfig } from "./load.js";

const load = (env: Record<string, string>) => loadConfig(env, { cwd: "/tmp" });

describe("CORS_ORIGINS", () => {
  it("reads a comma list and the seeds' JSON list, normalised as browsers send Origin", () => {
    expect(parseCorsOrigins(" http://localhost:3000 , https://App.Example.com:443,")).toEqual({
      origins: ["http://localhost:3000", "https://app.example.com"],
    });
    expect(parseCorsOrigins('["http://localhost:3000", "http://localhost:3000"]')).toEqual({
      origins: ["http://localhost:3000"],
    });
    expect(parseCorsOrigins("*")).toEqual({ origins: "*" });
  });

  it("names every bad entry with what to write instead", () => {
    const { problems } = parseCorsOrigins(
      "localhost:3000,http://localhost:3000/,https://a.example.com/app,ftp://files.example.com,https://*.example.com,https://u:p@a.example.com,http://ok.example.com",
    );
    expect(problems).toHaveLength(6);
    expect(problems?.[0]).toMatch(/"localhost:3000" is not an/);
    expect(problems?.[1]).toMatch(
      /"http:\/\/localhost:3000\/" has a path, query or trailing "\/".*write http:\/\/localhost:3000\./,
    );
    expect(problems?.[2]).toMatch(/"https:\/\/a\.example\.com\/app" has a path/);
    expect(problems?.[3]).toMatch(/"ftp:\/\/files\.example\.com" is not an http\(s\) origin/);
    expect(problems?.[4]).toMatch(/wildcard/);
    expect(problems?.[5]).toMatch(/user name or password/);
  });

  it("refuses an empty list, a malformed JSON list, * mixed with origins, and too many entries", () => {
    expect(parseCorsOrigins(" , ").problems?.[0]).toMatch(/lists no origin/);
    expect(parseCorsOrigins('["http://a.example.com", 3]').problems?.[0]).toMatch(
      /not a JSON list of strings/,
    );
    expect(parseCorsOrigins("*,http://localhost:3000").problems?.[0]).toMatch(/mixes \*/);
    const many = Array.from({ length: MAX_CORS_ORIGINS + 1 }, (_, i) => `http://h${i}.example`);
    expect(parseCorsOrigins(many.join(",")).problems?.[0]).toMatch(
      new RegExp(`lists ${MAX_CORS_ORIGINS + 1} origins, more than the ${MAX_CORS_ORIGINS}`),
    );
  });

  it("refuses * with credentials at config load, and allows it without", () => {
    expect(corsProblems({ corsOrigins: "*", corsAllowCredentials: true })[0]).toMatch(
      /CORS_ORIGINS=\* with CORS_ALLOW_CREDENTIALS=true: browsers refuse credentials/,
    );
    expect(corsProblems({ corsOrigins: "*", corsAllowCredentials: false })).toEqual([]);
    expect(
      corsProblems({ corsOrigins: "http://localhost:3000", corsAllowCredentials: true }),
    ).toEqual([]);
    expect(corsProblems({ corsOrigins: undefined, corsAllowCredentials: true })).toEqual([]);
  });

  it("is checked by the config loader with the other variables", () => {
    const bad = load({ CORS_ORIGINS: "http://localhost:3000/app", CORS_ALLOW_CREDENTIALS: "yes" });
    expect(bad.problems).toEqual([
      expect.stringMatching(/^CORS_ORIGINS entry "http:\/\/localhost:3000\/app" has a path/),
    ]);
    expect(load({ CORS_ORIGINS: "*", CORS_ALLOW_CREDENTIALS: "true" }).problems).toHaveLength(1);
    const ok = load({ CORS_ORIGINS: "http://localhost:3000" });
    expect(ok.problems).toEqual([]);
    expect(ok.config).toMatchObject({
      corsOrigins: "http://localhost:3000",
      corsAllowCredentials: false,
      corsMaxAgeS: 600,
    });
  });
});
