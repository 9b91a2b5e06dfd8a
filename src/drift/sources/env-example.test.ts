import { describe, expect, it } from "vitest";
import { parseEnvExample } from "./env-example.js";

const TEXT = `# ---------------------------------------------
# Database
DATABASE_URL=postgres://localhost/app
export REDIS_URL="redis://localhost:6379"

# HuggingFace Configuration (for model serving)
# Get your token from https://huggingface.co/settings/tokens
HUGGINGFACE_API_KEY=hf_your_token_here

# Optional: an external auth service
# AUTH_SERVICE_URL=https://auth.example.com
PRIVATE_KEY="-----BEGIN KEY-----
abc
-----END KEY-----"
AFTER_MULTILINE=1
this line documents nothing
`;

describe(".env.example source", () => {
  const doc = parseEnvExample(TEXT, ".env.example");

  it("lists every variable with its line, including `export` and commented-out ones", () => {
    expect([...doc.entries].map(([name, e]) => [name, e.location.line, e.commentedOut])).toEqual([
      ["DATABASE_URL", 3, false],
      ["REDIS_URL", 4, false],
      ["HUGGINGFACE_API_KEY", 8, false],
      ["AUTH_SERVICE_URL", 11, true],
      ["PRIVATE_KEY", 12, false],
      ["AFTER_MULTILINE", 15, false],
    ]);
  });

  it("keeps the comment right above a variable as its description, never its value", () => {
    expect(doc.entries.get("HUGGINGFACE_API_KEY")?.comment).toBe(
      "HuggingFace Configuration (for model serving) Get your token from https://huggingface.co/settings/tokens",
    );
    expect(doc.entries.get("DATABASE_URL")?.comment).toBe("Database");
    expect(JSON.stringify([...doc.entries])).not.toContain("hf_your_token_here");
  });

  it("fails on a quote that is never closed, naming the line", () => {
    expect(() => parseEnvExample('A=1\nB="never closed\nC=3\n', "x.env")).toThrow(
      /^x\.env:2: the " quote opened for B is never closed/,
    );
  });
});
