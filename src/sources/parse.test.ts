import { describe, expect, it } from "vitest";
import type { ModelgateError } from "../errors.js";
import { BUILTIN_MODELS_DIR, normaliseSource, parseSource } from "./index.js";

const problem = (text: string) => {
  try {
    parseSource(text, "/srv");
  } catch (err) {
    return err as ModelgateError;
  }
  throw new Error(`${text} was accepted`);
};

describe("parseSource / normaliseSource", () => {
  it("keeps the local forms", () => {
    expect(normaliseSource("builtin:lead-scoring", "/srv")).toBe("builtin:lead-scoring");
    expect(normaliseSource("models/x", "/srv")).toBe("/srv/models/x");
    expect(normaliseSource("file:///opt/m", "/srv")).toBe("/opt/m");
    expect(BUILTIN_MODELS_DIR).toMatch(/models\/$/);
  });

  it("reads hf://owner/repo with an optional branch, tag or commit", () => {
    expect(parseSource("hf://acme/lead-scoring", "/")).toEqual({
      kind: "huggingface",
      repo: "acme/lead-scoring",
      revision: null,
    });
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(parseSource(`hf://acme/m@${sha}`, "/")).toMatchObject({ revision: sha });
    expect(normaliseSource(" HF://acme/m.v2_x@refs/pr/1 ", "/")).toBe("hf://acme/m.v2_x@refs/pr/1");
    expect(normaliseSource("hf://acme/m@v1.0.0", "/")).toBe("hf://acme/m@v1.0.0");
  });

  it("refuses repository ids and revisions the Hub would refuse", () => {
    for (const bad of [
      "hf://acme",
      "hf://a/b/c",
      "hf://acme/-bad",
      "hf://acme/bad.",
      "hf://acme/a--b",
      "hf://acme/a..b",
      "hf://acme/x.git",
      "hf://acme/m@",
      "hf://acme/m@a..b",
      "hf://acme/m@has space",
      "hf://acme/m@x.lock",
      "hf://acme/m@/main",
    ]) {
      const err = problem(bad);
      expect(err.code, bad).toBe("invalid_request");
      expect(err.message).toContain("hf://owner/repo[@revision]");
    }
  });

  it("reads http(s) archives (optionally pinned) and folder URLs", () => {
    const pin = "a".repeat(64);
    expect(parseSource(`https://cdn.example/m/pkg.tar.gz#sha256=${pin}`, "/")).toEqual({
      kind: "http",
      url: "https://cdn.example/m/pkg.tar.gz",
      layout: "archive",
      sha256: pin,
    });
    expect(parseSource("http://h/pkg.tgz", "/")).toMatchObject({ layout: "archive", sha256: null });
    expect(normaliseSource("https://h/models/lead/modelgate.json", "/")).toBe(
      "https://h/models/lead/",
    );
    expect(parseSource("https://h/models/lead/", "/")).toMatchObject({ layout: "folder" });
  });

  it("refuses what it cannot fetch, naming the accepted forms", () => {
    for (const [text, why] of [
      ["https://h/model.zip", "must end in .tar.gz or .tgz"],
      ["https://user:pw@h/pkg.tgz", "credentials in a source URL"],
      ["https://h/pkg.tgz#md5=1", "#sha256=<64 hex>"],
      ["https://huggingface.co/acme/m", "hf://owner/repo"],
      ["s3://bucket/m", '"s3:" sources are not supported'],
      ["builtin:Bad_Name", "builtin name"],
      ["", "it is empty"],
    ]) {
      const err = problem(text ?? "");
      expect(err.code, text).toBe("invalid_request");
      expect(err.message, text).toContain(why);
      expect(err.errors).toEqual([{ field: "source", problem: expect.any(String) }]);
    }
  });
});
