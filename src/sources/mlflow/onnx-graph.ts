/**
 * What an ONNX file's graph takes and gives — its inputs and outputs (name, element type, shape)
 * and the external data files its initializers live in — read straight from the protobuf
 * without loading the model: only field headers and small strings are read, and every large
 * field (weights, nodes) is skipped by seeking. Used to write a serving spec for an MLflow model
 * from its signature, and to download the external data files MLflow saves beside model.onnx.
 *
 * Field numbers are onnx.proto3's: ModelProto.graph = 7; GraphProto.initializer = 5,
 * input = 11, output = 12; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
 * Tensor.elem_type = 1, shape = 2; Dimension.dim_value = 1, dim_param = 2; TensorProto.name = 8,
 * external_data = 13 (key = 1, value = 2), data_location = 14.
 */
import type { FileHandle } from "node:fs/promises";
import { openRegularFile } from "../safe-file.js";

/** ONNX TensorProto.DataType: FLOAT and DOUBLE, the types a score or value output may have. */
export const ONNX_FLOAT = 1;
export const ONNX_DOUBLE = 11;

export interface GraphValue {
  name: string;
  /** TensorProto.DataType, or null when the value is not a tensor (a sequence, a map). */
  elemType: number | null;
  /** Dimensions: a number, a symbolic name, or null when unknown; null when no shape is given. */
  shape: (number | string | null)[] | null;
}

export interface OnnxGraphInfo {
  /** The inputs a caller feeds (inputs that are also initializers are left out, as ONNX Runtime does). */
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** The `location`s of external data the initializers name, as written (relative paths). */
  externalFiles: string[];
}

/** The file is not the ONNX protobuf it should be. */
export class OnnxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OnnxFormatError";
  }
}

const WINDOW = 64 * 1024;
/** Longest name or location read; nothing legitimate is longer. */
const MAX_STRING = 64 * 1024;
const MAX_VALUES = 100_000;
const MAX_DIMS = 64;
const MAX_EXTERNAL_FILES = 1_000;

/** Positional reads through a window, so thousands of small headers cost few system calls. */
export class Reader {
  private window = Buffer.alloc(0);
  private windowAt = 0;
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async fill(): Promise<void> {
    const buffer = Buffer.alloc(Math.min(WINDOW, this.size - this.pos));
    const { bytesRead } = await this.fh.read(buffer, 0, buffer.length, this.pos);
    this.window = buffer.subarray(0, bytesRead);
    this.windowAt = this.pos;
  }

  async byte(end: number): Promise<number> {
    if (this.pos >= end) throw new OnnxFormatError(`truncated at byte ${this.pos}`);
    const at = this.pos - this.windowAt;
    if (at < 0 || at >= this.window.length) await this.fill();
    const value = this.window[this.pos - this.windowAt];
    if (value === undefined) throw new OnnxFormatError(`truncated at byte ${this.pos}`);
    this.pos += 1;
    return value;
  }

  async varint(end: number): Promise<number> {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte(end);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new OnnxFormatError(`a malformed varint at byte ${this.pos}`);
  }

  /** A length-delimited field's end, checked against its container's. */
  async lengthEnd(end: number): Promise<number> {
    const length = await this.varint(end);
    const stop = this.pos + length;
    if (stop > end) throw new OnnxFormatError(`a field at byte ${this.pos} runs past its message`);
    return stop;
  }

  async string(end: number): Promise<string> {
    const stop = await this.lengthEnd(end);
    const length = stop - this.pos;
    if (length > MAX_STRING) {
      throw new OnnxFormatError(`a name at byte ${this.pos} is ${length} bytes long`);
    }
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buffer, 0, length, this.pos);
    if (bytesRead !== length) throw new OnnxFormatError(`truncated at byte ${this.pos}`);
    this.pos = stop;
    return buffer.toString("utf8");
  }

  async skip(wire: number, end: number): Promise<void> {
    if (wire === 0) await this.varint(end);
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else if (wire === 2) this.pos = await this.lengthEnd(end);
    else throw new OnnxFormatError(`an unknown wire type ${wire} at byte ${this.pos}`);
    if (this.pos > end) throw new OnnxFormatError(`a field runs past its message`);
  }

  /**
   * Calls `onField(field, wire, start)` for each field of the message ending at `end` (`start`:
   * where its key begins); a field the callback does not read (returns false) is skipped.
   */
  async fields(
    end: number,
    onField: (field: number, wire: number, start: number) => Promise<boolean>,
  ) {
    while (this.pos < end) {
      const start = this.pos;
      const key = await this.varint(end);
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (!(await onField(field, wire, start))) await this.skip(wire, end);
    }
  }
}

async function readDim(r: Reader, end: number): Promise<number | string | null> {
  let dim: number | string | null = null;
  await r.fields(end, async (field, wire) => {
    if (field === 1 && wire === 0) dim = await r.varint(end);
    else if (field === 2 && wire === 2) dim = await r.string(end);
    else return false;
    return true;
  });
  return dim;
}

async function readTensorType(r: Reader, end: number, value: GraphValue): Promise<void> {
  await r.fields(end, async (field, wire) => {
    if (field === 1 && wire === 0) value.elemType = await r.varint(end);
    else if (field === 2 && wire === 2) {
      const shapeEnd = await r.lengthEnd(end);
      const shape: (number | string | null)[] = [];
      await r.fields(shapeEnd, async (f, w) => {
        if (f !== 1 || w !== 2) return false;
        if (shape.length >= MAX_DIMS)
          throw new OnnxFormatError(`a shape has over ${MAX_DIMS} dimensions`);
        shape.push(await readDim(r, await r.lengthEnd(shapeEnd)));
        return true;
      });
      value.shape = shape;
    } else return false;
    return true;
  });
}

async function readValueInfo(r: Reader, end: number): Promise<GraphValue> {
  const value: GraphValue = { name: "", elemType: null, shape: null };
  await r.fields(end, async (field, wire) => {
    if (field === 1 && wire === 2) value.name = await r.string(end);
    else if (field === 2 && wire === 2) {
      const typeEnd = await r.lengthEnd(end);
      await r.fields(typeEnd, async (f, w) => {
        if (f !== 1 || w !== 2) return false; // a sequence, map or optional: not a tensor
        await readTensorType(r, await r.lengthEnd(typeEnd), value);
        return true;
      });
    } else return false;
    return true;
  });
  return value;
}

/** An initializer's name and, when its data is external, the file it is in. */
async function readInitializer(r: Reader, end: number) {
  let name = "";
  let location: string | null = null;
  await r.fields(end, async (field, wire) => {
    if (field === 8 && wire === 2) name = await r.string(end);
    else if (field === 13 && wire === 2) {
      const entryEnd = await r.lengthEnd(end);
      let key = "";
      let value = "";
      await r.fields(entryEnd, async (f, w) => {
        if (f === 1 && w === 2) key = await r.string(entryEnd);
        else if (f === 2 && w === 2) value = await r.string(entryEnd);
        else return false;
        return true;
      });
      if (key === "location") location = value;
    } else return false;
    return true;
  });
  return { name, location };
}

async function graphRange(r: Reader): Promise<[number, number]> {
  let range: [number, number] | null = null;
  await r.fields(r.size, async (field, wire) => {
    if (field !== 7 || wire !== 2) return false;
    const end = await r.lengthEnd(r.size);
    range = [r.pos, end];
    r.pos = end;
    return true;
  });
  if (!range) throw new OnnxFormatError("it holds no graph");
  return range;
}

/** Reads the graph's interface from an ONNX file (a regular file only; see module comment). */
export async function readOnnxGraph(path: string): Promise<OnnxGraphInfo> {
  const { fh, size } = await openRegularFile(path);
  try {
    const r = new Reader(fh, size);
    const [start, end] = await graphRange(r);
    const inputs: GraphValue[] = [];
    const outputs: GraphValue[] = [];
    r.pos = start;
    await r.fields(end, async (field, wire) => {
      if ((field !== 11 && field !== 12) || wire !== 2) return false;
      const list = field === 11 ? inputs : outputs;
      if (list.length >= MAX_VALUES)
        throw new OnnxFormatError(`over ${MAX_VALUES} graph inputs or outputs`);
      list.push(await readValueInfo(r, await r.lengthEnd(end)));
      return true;
    });
    // Second pass: initializers (an input that is one has a default: ONNX Runtime hides it).
    const inputNames = new Set(inputs.map((v) => v.name));
    const initialized = new Set<string>();
    const external = new Set<string>();
    r.pos = start;
    await r.fields(end, async (field, wire) => {
      if (field !== 5 || wire !== 2) return false;
      const { name, location } = await readInitializer(r, await r.lengthEnd(end));
      if (inputNames.has(name)) initialized.add(name);
      if (location !== null && !external.has(location)) {
        if (external.size >= MAX_EXTERNAL_FILES) {
          throw new OnnxFormatError(
            `its weights are spread over more than ${MAX_EXTERNAL_FILES} files`,
          );
        }
        external.add(location);
      }
      return true;
    });
    if (outputs.length === 0) throw new OnnxFormatError("its graph has no outputs");
    return {
      inputs: inputs.filter((v) => !initialized.has(v.name)),
      outputs,
      externalFiles: [...external],
    };
  } finally {
    await fh.close();
  }
}
