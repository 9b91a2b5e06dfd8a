import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import type { FakeHub } from "./support/fake-hub.js";
import { BAD_SPEC_REPO, PRIVATE_REPO, PUBLIC_REPO, startFakeHub } from "./support/fake-hub.js";

let hub: FakeHub;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  hub = await startFakeHub();
  dataDir = mkdtempSync(join(tmpdir(), "mg-models-"));
  env = { MODELGATE_DATA_DIR: dataDir, HF_ENDPOINT: hub.url };
});
afterAll(async () => {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("modelgate models (no server running)", () => {
  it("registers a public Hub model at a tag, showing download progress and the commit", async () => {
    const res = await runCli(
      ["models", "register", "33", "--source", `hf://${PUBLIC_REPO}@v1.0.0`, "--warm", "--json"],
      env,
    );
    expect(res.code).toBe(0);
    const { model, warnings } = JSON.parse(res.stdout) as {
      model: Record<string, unknown>;
      warnings: string[];
    };
    expect(model).toMatchObject({
      id: "33",
      source: `hf://${PUBLIC_REPO}@v1.0.0`,
      name: "Sales Lead Scoring",
    });
    expect(String(model.resolved_revision)).toMatch(/^[0-9a-f]{40}$/);
    expect(warnings).toEqual([]);
    // Not a terminal: plain progress lines on stderr, not a redrawn bar.
    expect(res.stderr).toMatch(/^downloading model\.onnx: 100% /m);
    expect(res.stderr).not.toContain("\r");
  });

  it("saves a private model without a token, with a warning naming HUGGINGFACE_API_KEY (exit 0)", async () => {
    const res = await runCli(["models", "register", "30", "--source", `hf://${PRIVATE_REPO}`], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Registered model 30/);
    expect(res.stdout).toMatch(
      /warning: HUGGINGFACE_API_KEY is not set; model 30 is stored in a private Hugging Face repository/,
    );
  });

  it("refuses a malformed source or an invalid spec (exit 2, the reason named)", async () => {
    const bad = await runCli(["models", "register", "31", "--source", "ftp://example.com/x"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hf:\/\/owner\/repo/);
    const spec = await runCli(
      ["models", "register", "32", "--source", `hf://${BAD_SPEC_REPO}`],
      env,
    );
    expect(spec.code).toBe(2);
    expect(spec.stderr).toMatch(/modelgate\.json: .*is required/);
    const id = await runCli(["models", "register", "a b", "--source", `hf://${PUBLIC_REPO}`], env);
    expect(id.code).toBe(2);
  });

  it("pulls, lists and removes", async () => {
    const pull = await runCli(["models", "pull", "33"], env);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toMatch(/Pulled model 33 from hf:\/\/.* at [0-9a-f]{40}\./);
    const list = await runCli(["models", "list", "--json"], env);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["30", "33"]));
    const removed = await runCli(["models", "remove", "33"], env);
    expect(removed.code).toBe(0);
    const unknown = await runCli(["models", "remove", "33"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No model is registered with id 33/);
  });

  it("serve --strict refuses to start while model 30 lacks its token (exit 1, one sentence)", async () => {
    const res = await runCli(["serve", "--strict", "--port", "0"], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `Refusing to start: HUGGINGFACE_API_KEY is not set; model 30 is stored in a private Hugging Face repository ${PRIVATE_REPO}`,
      ),
    );
  });
});
