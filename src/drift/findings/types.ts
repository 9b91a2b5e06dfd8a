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

export interface Analysis {
  variables: VariableInfo[];
  findings: Finding[];
  targets: Target[];
}
