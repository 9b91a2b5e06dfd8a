/**
 * An ONNX file whose initializers keep their data in external files — as `mlflow.onnx.log_model`
 * saves every tensor over 1 KiB by default — rewritten as one self-contained file: each such
 * initializer gets its bytes as `raw_data`, and its `external_data` and `data_location` are
 * dropped. The runtime then opens a single regular file, as for every other source.
 *
 * Streamed: the output is planned as pieces (ranges of the original, new headers, ranges of an
 * external file), their sizes known before a byte is written, then copied in bounded chunks.
 * Field numbers as in ./onnx-graph.ts; TensorProto.raw_data = 9.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { openRegularFile } from "../safe-file.js";
import { OnnxFormatError, Reader } from "./onnx-graph.js";

/** Protobuf's limit on one message: a model past it must stay split. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;
const CHUNK = 1024 * 1024;

type Piece =
  | { kind: "copy"; start: number; end: number }
  | { kind: "bytes"; data: Buffer }
  | { kind: "external"; location: string; offset: number; length: number };

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** The key and length of a length-delimited field. */
function header(field: number, length: number): Piece {
  return { kind: "bytes", data: Buffer.concat([varint(field * 8 + 2), varint(length)]) };
}

function sizeOf(pieces: readonly Piece[]): number {
  let total = 0;
  for (const p of pieces) {
    total += p.kind === "copy" ? p.end - p.start : p.kind === "bytes" ? p.data.length : p.length;
  }
  return total;
}

/** Sizes of the external files, by location (the caller checked and downloaded them). */
export type ExternalFiles = ReadonlyMap<string, { path: string; size: number }>;

/** An initializer with external data, as pieces; null when its data is inline. */
async function rewriteInitializer(
  r: Reader,
  end: number,
  files: ExternalFiles,
): Promise<Piece[] | null> {
  const kept: Piece[] = [];
  const entries = new Map<string, string>();
  let external = false;
  await r.fields(end, async (field, wire, start) => {
    if (field === 13 && wire === 2) {
      const entryEnd = await r.lengthEnd(end);
      let key = "";
      let value = "";
      await r.fields(entryEnd, async (f, w) => {
        if (f === 1 && w === 2) key = await r.string(entryEnd);
        else if (f === 2 && w === 2) value = await r.string(entryEnd);
        else return false;
        return true;
      });
      entries.set(key, value);
    } else if (field === 14 && wire === 0) {
      external = (await r.varint(end)) === 1;
    } else {
      await r.skip(wire, end);
      // An external tensor's raw_data (there should be none) would be replaced anyway.
      if (field !== 9) kept.push({ kind: "copy", start, end: r.pos });
    }
    return true;
  });
  if (!external) return null;
  const location = entries.get("location") ?? "";
  const file = files.get(location);
  if (!file)
    throw new OnnxFormatError(`an initializer's external data file "${location}" is not known`);
  const offset = Number(entries.get("offset") ?? 0);
  const length = entries.has("length") ? Number(entries.get("length")) : file.size - offset;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > file.size
  ) {
    throw new OnnxFormatError(
      `an initializer's data (offset ${entries.get("offset") ?? 0}, length ${entries.get("length") ?? "the rest"}) is not inside ${location} (${file.size} bytes)`,
    );
  }
  return [...kept, header(9, length), { kind: "external", location, offset, length }];
}

async function rewriteGraph(r: Reader, end: number, files: ExternalFiles): Promise<Piece[]> {
  const pieces: Piece[] = [];
  await r.fields(end, async (field, wire, start) => {
    if (field === 5 && wire === 2) {
      const initEnd = await r.lengthEnd(end);
      const rewritten = await rewriteInitializer(r, initEnd, files);
      if (rewritten) pieces.push(header(5, sizeOf(rewritten)), ...rewritten);
      else pieces.push({ kind: "copy", start, end: initEnd });
      r.pos = initEnd;
    } else {
      await r.skip(wire, end);
      pieces.push({ kind: "copy", start, end: r.pos });
    }
    return true;
  });
  return pieces;
}

async function copyRange(from: FileHandle, start: number, length: number, to: FileHandle) {
  const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(length, 1)));
  let done = 0;
  while (done < length) {
    const want = Math.min(buffer.length, length - done);
    const { bytesRead } = await from.read(buffer, 0, want, start + done);
    if (bytesRead === 0) throw new OnnxFormatError("a file ended while it was being copied");
    await to.write(buffer, 0, bytesRead);
    done += bytesRead;
  }
}

/**
 * Writes `dest` (a new file) as `src` with every external initializer's data inline. `maxBytes`
 * bounds the result (the package's limit); OnnxFormatError names what is wrong.
 */
export async function inlineExternalData(
  src: string,
  dest: string,
  files: ExternalFiles,
  maxBytes: number,
): Promise<void> {
  const { fh, size } = await openRegularFile(src);
  const opened = new Map<string, FileHandle>();
  try {
    const r = new Reader(fh, size);
    const pieces: Piece[] = [];
    await r.fields(size, async (field, wire, start) => {
      if (field === 7 && wire === 2) {
        const end = await r.lengthEnd(size);
        const graph = await rewriteGraph(r, end, files);
        pieces.push(header(7, sizeOf(graph)), ...graph);
        r.pos = end;
      } else {
        await r.skip(wire, size);
        pieces.push({ kind: "copy", start, end: r.pos });
      }
      return true;
    });
    const total = sizeOf(pieces);
    if (total > MAX_MODEL_BYTES) {
      throw new OnnxFormatError(
        `with its external data inline it would be ${total} bytes, over the 2 GiB one ONNX file can hold`,
      );
    }
    if (total > maxBytes) {
      throw new OnnxFormatError(`with its external data inline it would be over ${maxBytes} bytes`);
    }
    const out = await open(dest, "wx");
    try {
      for (const piece of pieces) {
        if (piece.kind === "bytes") await out.write(piece.data);
        else if (piece.kind === "copy")
          await copyRange(fh, piece.start, piece.end - piece.start, out);
        else {
          const file = files.get(piece.location);
          if (!file) throw new OnnxFormatError(`no external data file "${piece.location}"`);
          let handle = opened.get(piece.location);
          if (!handle) {
            handle = (await openRegularFile(file.path)).fh;
            opened.set(piece.location, handle);
          }
          await copyRange(handle, piece.offset, piece.length, out);
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
  } finally {
    await fh.close();
    await Promise.all([...opened.values()].map((h) => h.close()));
  }
}
