/**
 * The one module that touches @cdktn/hcl2json, the maintained fork of the deprecated CDK for
 * Terraform parser; it is wrapped here so that replacing it changes only this file. It turns a .tf file into JSON whose strings are HCL templates (`${...}`), which
 * ./parser.ts and ./eval.ts turn back into values.
 */
import { createRequire } from "node:module";
import { inputError } from "../errors.js";

type ParseFn = (filename: string, contents: string) => Promise<Record<string, unknown>>;

let parser: ParseFn | undefined;

/** Loaded on first use: it starts a WebAssembly module, which commands without Terraform skip. */
function hcl2json(): ParseFn {
  if (!parser) {
    const require = createRequire(import.meta.url);
    const mod = require("@cdktn/hcl2json") as { parse: ParseFn };
    parser = mod.parse;
  }
  return parser;
}

/** Parses one HCL file (.tf, .tfvars); a syntax error names the file and line. */
export async function parseHcl(text: string, shown: string): Promise<Record<string, unknown>> {
  if (text.trim() === "") return {};
  try {
    return await hcl2json()(shown, text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // "parse config: [main.tf:2,7-3,1: Invalid expression; Expected the start of an expression, …]"
    const m = /:(\d+),\d+(?:-\d+(?:,\d+)?)?: ([^;\]]+);\s*([^\]]*?)(?:\s+\S+:\d+,\d+.*)?\]?$/.exec(
      message,
    );
    if (!m) throw inputError(shown, undefined, `invalid HCL (${message}); fix the syntax`);
    const detail = (m[3] as string).replace(/, and \d+ other diagnostic\(s\)$/, "").trim();
    throw inputError(
      shown,
      Number(m[1]),
      `invalid HCL: ${(m[2] as string).trim()}${detail ? ` (${detail.replace(/\.$/, "")})` : ""}; fix the syntax`,
    );
  }
}
