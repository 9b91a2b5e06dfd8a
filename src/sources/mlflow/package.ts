/**
 * One MLflow model version → a package folder in the disk cache: its artifacts' location, then
 * either the `modelgate.json` it carries (which wins) and the files that names, or `MLmodel`:
 * its onnx flavor's model file, and a spec written from its signature (./spec.ts). A model
 * without the onnx flavor is refused before its model is downloaded, naming its flavors and how
 * to export ONNX: no pickle or Python code is ever downloaded or loaded. The ONNX file's external
 * data files (MLflow saves large weights beside model.onnx) are fetched and put inline, so the
 * package holds one self-contained model file. The marker is written last, so a folder is
 * served only once complete.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import { isModelgateError, ModelgateError } from "../../errors.js";
import { removeStaleParts, writeFileAtomic } from "../cache/files.js";
import { revisionDir, writeComplete } from "../cache/store.js";
import { MAX_SPEC_BYTES } from "../limits.js";
import {
  isCodeOrPickle,
  parsePackageSpec,
  readPackageSpec,
  runtimeFiles,
  SPEC_FILE,
} from "../package-files.js";
import { readRegularFile } from "../safe-file.js";
import type { ProgressEvent, Source, SourceContext } from "../types.js";
import { downloadUri } from "./api.js";
import { artifactLocation, safeSegments } from "./artifacts.js";
import { exampleRows, MAX_EXAMPLE_BYTES } from "./examples.js";
import type { MlflowSite } from "./errors.js";
import type { VersionFiles } from "./files.js";
import { climbingPath, versionFiles } from "./files.js";
import type { MlModel } from "./mlmodel.js";
import { exportAdvice, MlModelError, parseMlModel } from "./mlmodel.js";
import { OnnxFormatError, readOnnxGraph } from "./onnx-graph.js";
import { inlineExternalData } from "./onnx-inline.js";
import type { OnnxGraphInfo } from "./onnx-graph.js";
import { specFromMlflow } from "./spec.js";

export const MLMODEL_FILE = "MLmodel";

type Site = MlflowSite & { version: string };

function versionName(site: Site): string {
  return `registered model ${site.name} version ${site.version}`;
}

function invalid(site: Site, problem: string, cause?: unknown): ModelgateError {
  return new ModelgateError(
    "model_invalid",
    `Model ${site.modelId} cannot be served: ${problem} (${versionName(site)}, source ${site.source}).`,
    cause === undefined ? {} : { cause },
  );
}

export function flavorRefused(site: Site, flavors: readonly string[]): ModelgateError {
  const list = flavors.join(", ");
  return new ModelgateError(
    "source_unsupported",
    `Model ${site.modelId} cannot be served: MLflow ${versionName(site)} was logged with the flavor${flavors.length > 1 ? "s" : ""} ${list} and no onnx flavor; modelgate serves ONNX models only and never loads pickles or Python code. To serve it, ${exportAdvice(flavors)}.`,
  );
}

async function readMlModel(dir: string, site: Site): Promise<MlModel> {
  const text = (
    await readRegularFile(join(dir, MLMODEL_FILE), MAX_SPEC_BYTES, MLMODEL_FILE)
  ).toString("utf8");
  try {
    return await parseMlModel(text);
  } catch (err) {
    if (err instanceof MlModelError)
      throw invalid(site, `its MLmodel file is unreadable: ${err.message}`, err);
    throw err;
  }
}

async function readGraph(dir: string, file: string, site: Site): Promise<OnnxGraphInfo> {
  try {
    return await readOnnxGraph(join(dir, file));
  } catch (err) {
    if (err instanceof OnnxFormatError) {
      throw invalid(site, `its model file ${file} is not an ONNX model (${err.message})`, err);
    }
    throw err;
  }
}

/**
 * The files the ONNX file's initializers keep their data in (beside it), downloaded and put
 * inline: the package keeps one self-contained model file (./onnx-inline.ts).
 */
async function inlineExternal(
  files: VersionFiles,
  dir: string,
  site: Site,
  onnxFile: string,
  graph: OnnxGraphInfo,
): Promise<void> {
  if (graph.externalFiles.length === 0) return;
  const external = new Map<string, { path: string; size: number }>();
  for (const location of graph.externalFiles) {
    const path = posix.normalize(posix.join(posix.dirname(onnxFile), location));
    if (path.startsWith("../") || posix.isAbsolute(location) || isCodeOrPickle(path)) {
      throw climbingPath(site, location, `the ONNX file ${onnxFile}`);
    }
    const got = await files.get(path);
    if (got) external.set(location, { path: join(dir, path), size: got.size });
  }
  const model = join(dir, onnxFile);
  const temp = join(
    dirname(model),
    `.${basename(model)}.part-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    // The weights are counted once: as external files now, inline in a moment.
    const budget = files.remaining() + [...external.values()].reduce((n, f) => n + f.size, 0);
    await inlineExternalData(model, temp, external, budget);
    await rename(temp, model);
  } catch (err) {
    if (err instanceof OnnxFormatError) {
      throw invalid(
        site,
        `its model file ${onnxFile} cannot be made whole with its external data (${err.message})`,
        err,
      );
    }
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
  for (const { path } of external.values()) await rm(path, { force: true });
  for (const location of external.keys()) {
    files.drop(posix.normalize(posix.join(posix.dirname(onnxFile), location)));
  }
  files.drop(onnxFile);
  await files.add(onnxFile);
}

/**
 * The generated spec's text, with MLflow's saved input example as `inputs.examples` (what
 * `modelgate smoke` predicts with) when it fits the input schema; without it otherwise.
 */
async function withExamples(
  files: VersionFiles,
  dir: string,
  mlmodel: MlModel,
  json: Record<string, unknown>,
): Promise<string> {
  const plain = `${JSON.stringify(json, null, 2)}\n`;
  const inputs = json.inputs as { properties?: Record<string, unknown> } | undefined;
  const path = mlmodel.inputExample;
  if (!inputs?.properties || path === null || !safeSegments(path)?.length) return plain;
  const got = await files.get(path, { optional: true, maxBytes: MAX_EXAMPLE_BYTES });
  if (!got) return plain;
  const text = (await readRegularFile(join(dir, path), MAX_EXAMPLE_BYTES, path)).toString("utf8");
  const rows = exampleRows(text, Object.keys(inputs.properties));
  if (!rows) return plain;
  const withRows = { ...json, inputs: { ...inputs, examples: rows } };
  const candidate = `${JSON.stringify(withRows, null, 2)}\n`;
  try {
    parsePackageSpec(candidate, "example", "the saved input example");
    return candidate;
  } catch (err) {
    // An example that does not fit the signature is MLflow's mistake, not the model's.
    if (isModelgateError(err)) return plain;
    throw err;
  }
}

/** Downloads one version into its cache folder; returns the folder (see the module comment). */
export async function downloadVersion(
  ctx: SourceContext,
  source: Extract<Source, { kind: "mlflow" }>,
  base: string,
  site: Site,
  revision: string,
  emit: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<string> {
  const dir = revisionDir(ctx, source, revision);
  await mkdir(dir, { recursive: true });
  await removeStaleParts(dir);
  const uri = await downloadUri(ctx, base, site, signal);
  const loc = artifactLocation(uri, base);
  if (typeof loc === "string") {
    throw new ModelgateError(
      "source_unsupported",
      `Model ${site.modelId} cannot be served from MLflow ${versionName(site)}: ${loc}.`,
    );
  }
  const files = versionFiles(ctx, site, loc, dir, emit, signal);
  const where = `${site.source} (${versionName(site)})`;
  let onnxFile: string | null;
  let mlmodel: MlModel | null = null;
  if (await files.get(SPEC_FILE, { optional: true, maxBytes: MAX_SPEC_BYTES })) {
    // The model's own spec wins over anything written from its signature.
    const spec = await readPackageSpec(dir, site.modelId, where);
    for (const path of runtimeFiles(spec, site.modelId, where)) await files.get(path);
    onnxFile = spec.runtime.type === "onnx" ? spec.runtime.file : null;
  } else {
    await files.get(MLMODEL_FILE, { maxBytes: MAX_SPEC_BYTES });
    mlmodel = await readMlModel(dir, site);
    const data = mlmodel.onnxData;
    if (data === null) throw flavorRefused(site, mlmodel.flavors);
    const path = posix.normalize(data);
    if (path.startsWith("../") || posix.isAbsolute(data) || isCodeOrPickle(path)) {
      throw climbingPath(site, data, "its MLmodel (flavors.onnx.data)");
    }
    await files.get(path);
    onnxFile = path;
  }
  if (onnxFile !== null) {
    const graph = await readGraph(dir, onnxFile, site);
    await inlineExternal(files, dir, site, onnxFile, graph);
    if (mlmodel) {
      const json = specFromMlflow(mlmodel, graph, {
        name: site.name,
        version: site.version,
        dataFile: onnxFile,
      });
      const text = await withExamples(files, dir, mlmodel, json);
      // What was written is checked as any package's spec: a bad signature is named, not served.
      parsePackageSpec(text, site.modelId, `${where}, the spec written from its MLmodel`);
      await writeFileAtomic(join(dir, SPEC_FILE), text);
      await files.add(SPEC_FILE);
    }
  }
  await writeComplete(dir, {
    format: 1,
    source: site.source,
    revision,
    files: files.manifest,
    completedAt: new Date().toISOString(),
  });
  return dir;
}
