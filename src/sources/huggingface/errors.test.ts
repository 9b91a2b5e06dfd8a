import { describe, expect, it } from "vitest";
import {
  BAD_SPEC_REPO,
  NO_MODEL_REPO,
  PRIVATE_REPO,
  PUBLIC_REPO,
} from "../../../test/support/fake-hub.js";
import type { ModelgateError } from "../../errors.js";
import { fetchPackage } from "../index.js";
import type { SourceContext } from "../types.js";
import { useFakeHub } from "../test-support/hub.js";

const fake = useFakeHub();

async function failure(source: string, overrides: Partial<SourceContext> = {}) {
  const err = await fetchPackage(source, "21", { ...fake.ctx, ...overrides }).then(
    () => {
      throw new Error(`${source} was fetched`);
    },
    (e: unknown) => e as ModelgateError,
  );
  // A secret never travels in a message.
  for (const token of Object.values(fake.hub.tokens)) expect(err.message).not.toContain(token);
  if (overrides.token) expect(err.message).not.toContain(overrides.token);
  return err;
}

describe("hf:// sources: every refusal is a typed, named error", () => {
  it("the seeds' incident: a private repository and no token names HUGGINGFACE_API_KEY", async () => {
    const err = await failure(`hf://${PRIVATE_REPO}`);
    expect(err.code).toBe("source_credentials_missing");
    expect(err.status).toBe(503);
    expect(err.message).toContain(
      `HUGGINGFACE_API_KEY is not set; model 21 is stored in a private Hugging Face repository ${PRIVATE_REPO}`,
    );
    expect(err.message).toMatch(/Set HUGGINGFACE_API_KEY \(or HF_TOKEN/);
  });

  it("a token the Hub rejects is source_unauthorized naming the repository", async () => {
    const err = await failure(`hf://${PRIVATE_REPO}`, { token: "hf_revoked_or_mistyped" });
    expect(err.code).toBe("source_unauthorized");
    expect(err.message).toContain(PRIVATE_REPO);
    expect(err.message).toContain("rejected HUGGINGFACE_API_KEY");
  });

  it("a token without access: 403 is source_unauthorized, a hidden repository source_not_found", async () => {
    const forbidden = await failure(`hf://${PRIVATE_REPO}`, { token: fake.hub.tokens.forbidden });
    expect(forbidden.code).toBe("source_unauthorized");
    expect(forbidden.message).toContain(`may not read the Hugging Face repository ${PRIVATE_REPO}`);
    const hidden = await failure(`hf://${PRIVATE_REPO}`, { token: fake.hub.tokens.noAccess });
    expect(hidden.code).toBe("source_not_found");
    expect(hidden.message).toContain("or HUGGINGFACE_API_KEY cannot read it");
  });

  it("a token that is not an hf_ token is a clear configuration error, before any request", async () => {
    const before = fake.hub.requests.length;
    const err = await failure(`hf://${PUBLIC_REPO}`, { token: "sk-not-a-hub-token" });
    expect(err.name).toBe("ModelgateError");
    expect(err.code).toBe("source_unauthorized");
    expect(err.message).toContain(
      "HUGGINGFACE_API_KEY does not look like a Hugging Face token (hf_…)",
    );
    expect(fake.hub.requests.length).toBe(before);
  });

  it("a missing repository, revision or file is source_not_found, naming which", async () => {
    const repo = await failure("hf://modelgate/does-not-exist", { token: fake.hub.tokens.read });
    expect(repo.code).toBe("source_not_found");
    expect(repo.message).toContain("modelgate/does-not-exist");
    const revision = await failure(`hf://${PUBLIC_REPO}@v9.9.9`);
    expect(revision.code).toBe("source_not_found");
    expect(revision.message).toContain('has no revision "v9.9.9"');
    const file = await failure(`hf://${NO_MODEL_REPO}`);
    expect(file.code).toBe("source_not_found");
    expect(file.message).toContain("has no file model.onnx");
  });

  it("an invalid spec is model_invalid naming the problem", async () => {
    const err = await failure(`hf://${BAD_SPEC_REPO}`);
    expect(err.code).toBe("model_invalid");
    expect(err.message).toMatch(/modelgate\.json: .*name: is required/);
  });

  it("a malformed source is invalid_request naming the accepted forms", async () => {
    const err = await failure("hf://not a repo");
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("hf://owner/repo[@revision]");
  });
});
