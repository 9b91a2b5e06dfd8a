import type { CodeRead, DocEntry, Location, Provision, Target } from "../model.js";
import type { FindingKind, LocationRole, Severity } from "./kinds.js";

export interface FindingLocation extends Location {
  role: LocationRole;
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** null for a finding about a source of variables rather than one variable. */
  variable: string | null;
  /** The id of the target where it is missing or wrong (`terraform:…`, `env-example`, `code`). */
  target: string | null;
  message: string;
  locations: FindingLocation[];
}

/** Everything known about one variable across the sources. */
export interface VariableInfo {
  name: string;
  /** Undefined when no code reads it and the policy says nothing. */
  required: boolean | undefined;
  /** The policy's `required` (true) or `optional` (false) list names it. */
  forced?: boolean;
  secret: boolean;
  reads: CodeRead[];
  docs: { file: string; entry: DocEntry }[];
  /** Target id → how it provides the variable (or one of its alternatives). */
  provided: Map<string, Provision[]>;
  /** Names that also satisfy it (alias, `<NAME>_FILE`). */
  alternatives: string[];
  /** A Dockerfile ENV that gives it a default in the image. */
  imageDefault?: Location;
  /** Description from modelgate's schema, when checking modelgate itself. */
  description?: string;
}

/** One service of the scanned code: a folder with its own manifest, or a whole --code folder. */
export interface CodeService {
  /** Its folder, relative to the working directory, forward slashes (`.` for the cwd). */
  path: string;
  /** What may name it: the folder's name and its manifest's (go.mod module, package.json name). */
  names: string[];
}

/** Whether a target was compared with the code, with which part of it, and why not. */
export interface Coverage {
  target: string;
  compared: boolean;
  /** The code it was compared with: service folders, the --code folders, or .env.example files. */
  code: string[];
  /** Why it was not compared, or why none of its variables could be read. */
  reason?: string;
  /** False when its variables come only from places that cannot be read (a missing env_file). */
  read: boolean;
}

export interface Analysis {
  variables: VariableInfo[];
  findings: Finding[];
  targets: Target[];
  coverage: Coverage[];
}
