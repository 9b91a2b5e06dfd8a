/**
 * The fake Hub's routes (see ./fake-hub.ts): whoami-v2, model info, tree, paths-info, resolve.
 * Access rules follow the real Hub: a private or missing repository answers 401
 * (X-Error-Code: RepoNotFound) without a token and 404 to a token that may not read it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeCommit, FakeFile, FakeRepo } from "./fake-hub-repos.js";
import { resolveRev } from "./fake-hub-repos.js";

const DATE = "2025-10-01T12:00:00.000Z";

export interface HubUser {
  name: string;
  /** "all": reads private repos; "none": they are hidden (404); "forbidden": 403. */
  access: "all" | "none" | "forbidden";
}

/** What a route handler gets. */
export interface HubRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: HubUser | null;
  hub: { repos: Map<string, FakeRepo>; cdnUrl: string };
  send(status: number, headers: Record<string, string>, body?: Buffer | string): void;
  error(status: number, message: string, code?: string): void;
}

/**
 * A byte range request on `content`: 206 with Content-Range, 416, or the whole file — the whole
 * file too when If-Range no longer names this content's ETag (it changed since).
 */
export function sendContent(r: HubRequest, content: Buffer, headers: Record<string, string>): void {
  const ifRange = r.req.headers["if-range"];
  const stale = ifRange !== undefined && ifRange !== headers.ETag;
  const range = stale ? null : /^bytes=(\d*)-(\d*)$/.exec(r.req.headers.range ?? "");
  const base = { "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream", ...headers };
  if (!range) return r.send(200, base, content);
  const size = content.length;
  const start = range[1] === "" ? size - Number(range[2]) : Number(range[1]);
  const end = range[1] === "" || range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
  if (start >= size || start > end || start < 0) {
    return r.send(416, { ...base, "Content-Range": `bytes */${size}` });
  }
  r.send(
    206,
    { ...base, "Content-Range": `bytes ${start}-${end}/${size}` },
    content.subarray(start, end + 1),
  );
}

export function handleCdn(r: HubRequest): void {
  const m = /^\/lfs\/([0-9a-f]{64})$/.exec(r.url.pathname);
  let file: FakeFile | undefined;
  for (const repo of r.hub.repos.values()) {
    for (const commit of repo.commits) {
      for (const f of commit.files.values()) if (f.lfs?.oid === m?.[1]) file = f;
    }
  }
  if (!file?.lfs) return r.error(404, "Not Found");
  sendContent(r, file.content, { ETag: `"${file.lfs.oid}"` });
}

function json(r: HubRequest, body: unknown): void {
  r.send(200, { "Content-Type": "application/json; charset=utf-8" }, JSON.stringify(body));
}

/** The repository, or null after answering as the real Hub does. */
function access(r: HubRequest, name: string): FakeRepo | null {
  const repo = r.hub.repos.get(name);
  const readable = repo && (!repo.private || r.user?.access === "all");
  if (readable) return repo;
  if (!r.user) {
    r.error(401, "Invalid username or password.", "RepoNotFound");
  } else if (repo && r.user.access === "forbidden") {
    r.error(
      403,
      `Access to model ${name} is restricted: your token lacks the read permission on it.`,
    );
  } else {
    r.error(404, "Repository not found", "RepoNotFound");
  }
  return null;
}

function commitOf(r: HubRequest, repo: FakeRepo, rev: string): FakeCommit | null {
  const commit = resolveRev(repo, rev);
  if (!commit) r.error(404, `Invalid rev id: ${rev}`, "RevisionNotFound");
  return commit ?? null;
}

function fileEntry(f: FakeFile, commit: FakeCommit, expand: boolean) {
  return {
    type: "file",
    oid: f.oid,
    size: f.content.length,
    path: f.path,
    ...(f.lfs ? { lfs: f.lfs } : {}),
    ...(expand
      ? {
          lastCommit: { id: commit.sha, title: commit.title, date: DATE },
          securityFileStatus: { status: "safe" },
        }
      : {}),
  };
}

function dirsOf(commit: FakeCommit): Set<string> {
  const dirs = new Set<string>();
  for (const path of commit.files.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return dirs;
}

function modelInfo(r: HubRequest, repo: FakeRepo, commit: FakeCommit): void {
  const [author] = repo.name.split("/");
  json(r, {
    _id: commit.sha.slice(0, 24),
    id: repo.name,
    modelId: repo.name,
    author,
    sha: commit.sha,
    lastModified: DATE,
    createdAt: DATE,
    private: repo.private,
    disabled: false,
    gated: false,
    pipeline_tag: "tabular-classification",
    library_name: "onnx",
    tags: ["onnx"],
    downloads: 0,
    likes: 0,
    siblings: [...commit.files.keys()].map((rfilename) => ({ rfilename })),
  });
}

function tree(r: HubRequest, commit: FakeCommit, under: string): void {
  const recursive = ["1", "true"].includes(r.url.searchParams.get("recursive") ?? "");
  const prefix = under === "" ? "" : `${under}/`;
  const inside = (p: string) =>
    p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes("/"));
  const dirs = [...dirsOf(commit)]
    .filter(inside)
    .map((path) => ({ type: "directory", oid: "0".repeat(40), size: 0, path }));
  const files = [...commit.files.values()]
    .filter((f) => inside(f.path))
    .map((f) => fileEntry(f, commit, false));
  json(r, [...dirs, ...files]);
}

async function readBody(r: HubRequest): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of r.req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if ((r.req.headers["content-type"] ?? "").includes("json"))
    return JSON.parse(text) as Record<string, unknown>;
  const form = new URLSearchParams(text);
  return { paths: form.getAll("paths"), expand: form.get("expand") === "true" };
}

async function pathsInfo(r: HubRequest, commit: FakeCommit): Promise<void> {
  const body = await readBody(r);
  const paths = Array.isArray(body.paths) ? body.paths.map(String) : [];
  const dirs = dirsOf(commit);
  const out: unknown[] = [];
  for (const p of paths) {
    const f = commit.files.get(p);
    if (f) out.push(fileEntry(f, commit, body.expand === true));
    else if (dirs.has(p)) out.push({ type: "directory", oid: "0".repeat(40), size: 0, path: p });
  }
  json(r, out);
}

function resolveFile(r: HubRequest, repo: FakeRepo, commit: FakeCommit, path: string): void {
  const f = commit.files.get(path);
  if (!f) return r.error(404, "Entry not found", "EntryNotFound");
  const common = { "X-Repo-Commit": commit.sha };
  if (f.lfs) {
    // Like the real Hub: LFS files redirect to the CDN, which serves ranges.
    return r.send(302, {
      ...common,
      Location: `${r.hub.cdnUrl}/lfs/${f.lfs.oid}?repo=${encodeURIComponent(repo.name)}`,
      "X-Linked-Size": String(f.lfs.size),
      "X-Linked-ETag": `"${f.lfs.oid}"`,
    });
  }
  sendContent(r, f.content, { ...common, ETag: `"${f.oid}"` });
}

const segments = (path: string) => path.split("/").filter(Boolean).map(decodeURIComponent);

/** Routes one request (authentication of the token was done by the server). */
export function handleHubApi(r: HubRequest): void {
  const method = r.req.method ?? "GET";
  const parts = segments(r.url.pathname);
  if (r.url.pathname === "/api/whoami-v2") {
    if (!r.user) return r.error(401, "Invalid credentials in Authorization header");
    return json(r, {
      type: "user",
      id: "0".repeat(24),
      name: r.user.name,
      fullname: r.user.name,
      email: null,
      emailVerified: false,
      isPro: false,
      canPay: false,
      avatarUrl: "",
      periodEnd: null,
      billingMode: "prepaid",
      orgs: [],
      auth: {
        type: "access_token",
        accessToken: { displayName: "modelgate", role: "read", createdAt: DATE },
      },
    });
  }
  if (parts[0] === "api" && parts[1] === "models" && parts.length >= 4) {
    const repo = access(r, `${parts[2]}/${parts[3]}`);
    if (!repo) return;
    const [, , , , kind, rev = "main", ...rest] = parts;
    if (kind === undefined || kind === "revision") {
      const commit = commitOf(r, repo, kind === undefined ? "HEAD" : rev);
      return void (commit && modelInfo(r, repo, commit));
    }
    const commit = commitOf(r, repo, rev);
    if (!commit) return;
    if (kind === "tree" && method === "GET") return tree(r, commit, rest.join("/"));
    if (kind === "paths-info" && method === "POST") return void pathsInfo(r, commit);
  }
  if (parts[2] === "resolve" && parts.length >= 5 && (method === "GET" || method === "HEAD")) {
    const repo = access(r, `${parts[0]}/${parts[1]}`);
    if (!repo) return;
    const commit = commitOf(r, repo, parts[3] ?? "");
    if (commit) resolveFile(r, repo, commit, parts.slice(4).join("/"));
    return;
  }
  r.error(404, "Sorry, we can't find the page you are looking for.");
}
