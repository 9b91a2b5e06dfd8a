/**
 * The repositories a fake Hugging Face Hub serves: files, commits, branches and tags, with the
 * ids the real Hub computes (git blob ids, LFS pointers with sha256 oids), so integrity checks
 * run against real values. The default content is the REAL model 21 package from
 * models/lead-scoring, public and private.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export interface FakeFile {
  path: string;
  content: Buffer;
  /** Git blob id of what git stores: the content, or the LFS pointer for LFS files. */
  oid: string;
  lfs: { oid: string; size: number; pointerSize: number } | null;
}

export interface FakeCommit {
  sha: string;
  title: string;
  files: Map<string, FakeFile>;
}

export interface FakeRepo {
  name: string;
  private: boolean;
  commits: FakeCommit[];
  branches: Map<string, string>;
  tags: Map<string, string>;
}

export interface FakeRepoSpec {
  /** owner/name */
  name: string;
  private?: boolean;
  /** Oldest first. */
  commits: { title?: string; files: Record<string, Buffer | string> }[];
  /** Branch → index in commits (default: main → the last commit). */
  branches?: Record<string, number>;
  tags?: Record<string, number>;
}

const sha1 = (data: Buffer | string) => createHash("sha1").update(data).digest("hex");
const gitBlobId = (content: Buffer) =>
  sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));

/** Like a Hub repository's .gitattributes: binaries and big files go to LFS. */
function isLfs(path: string, content: Buffer): boolean {
  return /\.(?:onnx|pkl|bin|safetensors)$/.test(path) || content.length >= 10 * 1024;
}

function fakeFile(path: string, data: Buffer | string): FakeFile {
  const content = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (!isLfs(path, content)) return { path, content, oid: gitBlobId(content), lfs: null };
  const sha256 = createHash("sha256").update(content).digest("hex");
  const pointer = Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`,
  );
  return {
    path,
    content,
    oid: gitBlobId(pointer),
    lfs: { oid: sha256, size: content.length, pointerSize: pointer.length },
  };
}

export function buildRepo(spec: FakeRepoSpec): FakeRepo {
  const commits = spec.commits.map((c, i): FakeCommit => {
    const files = new Map(Object.entries(c.files).map(([p, d]) => [p, fakeFile(p, d)]));
    const tree = [...files.values()].map((f) => `${f.path}:${f.oid}`).join("\n");
    return {
      sha: sha1(`commit ${spec.name} ${i}\n${tree}`),
      title: c.title ?? `commit ${i}`,
      files,
    };
  });
  const at = (i: number) => {
    const commit = commits[i];
    if (!commit) throw new Error(`${spec.name}: no commit ${i}`);
    return commit.sha;
  };
  const branches = new Map(
    Object.entries(spec.branches ?? { main: commits.length - 1 }).map(([b, i]) => [b, at(i)]),
  );
  const tags = new Map(Object.entries(spec.tags ?? {}).map(([t, i]) => [t, at(i)]));
  return { name: spec.name, private: spec.private ?? false, commits, branches, tags };
}

/** The commit a branch, tag, full commit sha or "HEAD" names, or undefined. */
export function resolveRev(repo: FakeRepo, rev: string): FakeCommit | undefined {
  const sha =
    rev === "HEAD"
      ? repo.branches.get("main")
      : (repo.branches.get(rev) ??
        repo.tags.get(rev) ??
        (/^[0-9a-f]{40}$/.test(rev) ? rev : undefined));
  return repo.commits.find((c) => c.sha === sha);
}

const MODEL_DIR = new URL("../../models/lead-scoring/", import.meta.url);

/** The real model 21 package, as shipped in models/lead-scoring. */
export function leadScoringFiles(): { spec: Buffer; onnx: Buffer } {
  return {
    spec: readFileSync(new URL("modelgate.json", MODEL_DIR)),
    onnx: readFileSync(new URL("model.onnx", MODEL_DIR)),
  };
}

export const PUBLIC_REPO = "modelgate/lead-scoring";
export const PRIVATE_REPO = "acme/lead-scoring-private";
export const NO_MODEL_REPO = "modelgate/no-model";
export const BAD_SPEC_REPO = "modelgate/bad-spec";

/**
 * Defaults: a public repo with two commits (main and tag v1.0.0 → the real package plus files
 * modelgate must never download; tag v0.9.0 → an older spec), the same package in a private
 * repo, a repo whose spec names a missing model file, and one whose spec is invalid.
 */
export function defaultRepoSpecs(): FakeRepoSpec[] {
  const { spec, onnx } = leadScoringFiles();
  const older = JSON.stringify({ ...JSON.parse(spec.toString("utf8")), version: "0.9.0" }, null, 2);
  return [
    {
      name: PUBLIC_REPO,
      commits: [
        { title: "Lead scoring 0.9.0", files: { "modelgate.json": older, "model.onnx": onnx } },
        {
          title: "Lead scoring 1.0.0",
          files: {
            "modelgate.json": spec,
            "model.onnx": onnx,
            "README.md": "# Lead scoring\n",
            "handler.py": "import os\nos.system('echo never run me')\n",
            "extras/train.pkl": Buffer.from("\x80\x04never unpickle me"),
          },
        },
      ],
      tags: { "v0.9.0": 0, "v1.0.0": 1 },
    },
    {
      name: PRIVATE_REPO,
      private: true,
      commits: [{ title: "Lead scoring", files: { "modelgate.json": spec, "model.onnx": onnx } }],
    },
    { name: NO_MODEL_REPO, commits: [{ files: { "modelgate.json": spec } }] },
    {
      name: BAD_SPEC_REPO,
      commits: [
        { files: { "modelgate.json": '{"modelgate": 1, "id": "21"}', "model.onnx": onnx } },
      ],
    },
  ];
}
