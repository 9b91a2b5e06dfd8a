import { configRows } from "../../config/index.js";
import type { CliContext } from "../context.js";
import { configOrExit } from "../context.js";
import type { CommandOutput } from "../output.js";
import { table } from "../output.js";

/** The effective configuration, secrets masked, with where each value came from. */
export function configShow(ctx: CliContext): CommandOutput {
  const rows = configRows(configOrExit(ctx));
  return {
    data: rows,
    text: table(
      ["VARIABLE", "VALUE", "SOURCE"],
      rows.map((r) => [r.name, r.value === null ? "(unset)" : String(r.value), r.source]),
    ),
  };
}
