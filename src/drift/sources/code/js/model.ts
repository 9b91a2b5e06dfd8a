/** The JS/TS scanner's project-wide facts (pass 1) and the per-file context of pass 2. */
import type { Location, Need } from "../../../model.js";
import type { PolicyReader, ReadCollector, SourceFile } from "../scanner.js";
import type { Node } from "../syntax.js";

/**
 * A function of the scanned code that reads the environment variable named by one of its
 * parameters: `function mustEnv(name) { … process.env[name] … }`.
 */
export interface Wrapper {
  name: string;
  /** Which argument is the variable's name (from 0). */
  nameArg: number;
  /** What a call without a default does when the variable is absent. */
  need: Need;
  /** The argument that is a fallback (`process.env[name] ?? fallback`): given, the read is optional. */
  defaultArg?: number;
  /** A method (called as `x.name(…)`) rather than a function. */
  method: boolean;
  via: string;
}

/** One field of a settings schema (zod, TypeBox) declared in the scanned code. */
export interface SchemaField {
  name: string;
  need: Need;
  location: Location;
}

export interface JsDefinitions {
  readers: readonly PolicyReader[];
  /** Wrappers by name; a name defined twice with different behaviour keeps what both agree on. */
  wrappers: Map<string, Wrapper>;
  /** Module-level schemas by variable name, with the file they are declared in. */
  schemas: Map<string, { file: string; fields: SchemaField[] }[]>;
  /** Every name a pass-2 file may call to read the environment, for the pre-filter. */
  callNames?: RegExp | null;
}

/** One file being scanned. */
export interface JsFile {
  root: Node;
  text: string;
  file: SourceFile;
  defs: JsDefinitions;
  collector: ReadCollector;
  /** Read nodes already reported, so two routes to one read report it once. */
  reported: Set<number>;
}
