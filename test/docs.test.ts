import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CATALOGUE } from "../src/errors.js";
import { renderErrorDocs } from "../src/server/error-docs.js";

describe("generated docs", () => {
  it("docs/errors.md is fresh and documents every error code", () => {
    const file = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
    expect(file, "docs/errors.md is stale: run `npm run docs`").toBe(renderErrorDocs());
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(file).toContain(`\`${code}\``);
  });
});
