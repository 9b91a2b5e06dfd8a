/**
 * The shapes every drift source produces and the findings engine consumes. A source records
 * names and references only: a value read from a deployment target is never kept, so it can
 * never reach a report.
 */

/** Where something was seen: a file position, or a place in a live deployment. */
export interface Location {
  /** Path relative to the working directory, with forward slashes. */
  file?: string;
  line?: number;
  /** A non-file place: a task definition ARN, `cluster/service`, a Kubernetes object. */
  resource?: string;
  container?: string;
}

/**
 * What the code does when a variable is absent. required: it cannot work (a subscript that
 * raises, a value whose emptiness leads to raise / throw / exit / panic, a settings field without
 * a default); optional: absence is handled (a default, a presence test, an empty value used as
 * is); unknown: the read was found but what absence does could not be told (reported as info,
 * never guessed as required).
 */
export type Need = "required" | "optional" | "unknown";

/** One place the code reads a variable. */
export interface CodeRead {
  location: Location;
  need: Need;
  /** How it was read, e.g. `os.getenv`, `process.env`, `BaseSettings field`. */
  via: string;
  /** Other names that satisfy this read (an alias, or `<NAME>_FILE`). */
  alternatives?: string[];
}

/** A read whose variable name is not a literal. */
export interface DynamicRead {
  location: Location;
  /** The source text of the name expression, e.g. `process.env[key]`. */
  text: string;
}

export interface CodeScan {
  reads: Map<string, CodeRead[]>;
  dynamic: DynamicRead[];
  files: number;
  /** Variables a Dockerfile beside the code sets with ENV: the image gives them a default. */
  imageDefaults?: Map<string, Location>;
}

/** One documented variable in an .env.example-style file. */
export interface DocEntry {
  location: Location;
  /** The comment lines right above it, joined; no value is kept. */
  comment?: string;
  /** Written as `# NAME=...`: documented, switched off by default. */
  commentedOut: boolean;
}

/**
 * value: a literal in the target; secret: a secret reference; configmap: a Kubernetes ConfigMap;
 * env-file: a file the platform loads; field: the Kubernetes downward API; host: passed through
 * from the environment of whoever runs it (compose `KEY` or `KEY=${KEY}`).
 */
export type ProvisionKind = "value" | "secret" | "configmap" | "env-file" | "field" | "host";

/** How a deployment target provides a variable. No value is ever stored. */
export interface Provision {
  kind: ProvisionKind;
  /** For a secret: the ARN, SSM parameter or expression it is read from; for a ConfigMap: its name. */
  reference?: string;
  location: Location;
  container?: string;
}

/** Something a target may provide that cannot be determined statically. */
export interface Unresolved {
  /** What could not be resolved, e.g. `environment name var.dyn`. */
  what: string;
  /** Why, in a clause: "the variable has no default". */
  reason: string;
  location: Location;
  /** True when it may provide variables not otherwise listed (so absences are not certain). */
  mayProvide: boolean;
  /**
   * True when a whole target or manifest could not be read (a Helm chart, a container list that
   * cannot be evaluated): reported as a `not-read` warning rather than an `unresolved` note.
   */
  unread?: boolean;
}

export type TargetKind = "terraform" | "task-definition" | "ecs-service" | "k8s" | "compose";

/** A family as far as it resolves: a name, a pattern with unknown parts, or nothing. */
export type Family =
  | { kind: "known"; name: string }
  | { kind: "pattern"; parts: (string | null)[]; text: string }
  | { kind: "unknown"; text: string };

/** One deployment target: a task definition (declared or deployed), a workload, a service. */
export interface Target {
  id: string;
  kind: TargetKind;
  /** Short human label: `hokusai-api-development:150`, `aws_ecs_task_definition.api`. */
  label: string;
  /** Declared (Terraform: what will be deployed) or deployed (what runs now). */
  role: "declared" | "deployed" | "manifest";
  location: Location;
  family?: Family;
  revision?: number;
  /** ECS deployment status (PRIMARY, ACTIVE) for a service's revisions. */
  status?: string;
  containers: string[];
  provisions: Map<string, Provision[]>;
  unresolved: Unresolved[];
  /** Remarks for the report (container chosen, family assumed, …). */
  notes: string[];
  /**
   * What names the target, for pairing it with one service's folder when the code holds several:
   * workload, compose service, family and container names, image names, and the folders an image
   * is built from (compose `build`, relative to the working directory, forward slashes).
   */
  identity?: { names: string[]; images: string[]; builds: string[] };
}

export interface SourceSummary {
  kind: string;
  path: string;
  /** What the source contributed, e.g. "412 files", "2 task definitions". */
  detail: string;
  targets?: string[];
}
