/** The terminal rendering: each step's probes in a line or two, then the verdict and the fix. */
import type { DoctorResult, ProbeOutcome } from "../types.js";

const MARK: Record<ProbeOutcome["state"], string> = {
  ok: "ok     ",
  problem: "PROBLEM",
  skipped: "skipped",
  failed: "FAILED ",
};

export function renderText(r: DoctorResult): string {
  const out: string[] = [];
  out.push(
    `modelgate doctor: ${r.url ?? "(no --url)"}${r.model ? `, model ${r.model}` : ""}, from host ${r.host.hostname}`,
    "",
  );
  for (const p of r.probes) {
    out.push(`${MARK[p.state]}  ${p.title} (${p.ms} ms)`);
    out.push(`         ${p.summary}`);
  }
  out.push("");
  const c = r.rootCause;
  if (!c) {
    out.push(`Nothing wrong found (${(r.ms / 1000).toFixed(1)} s).`);
    const open = r.probes.filter((p) => p.state === "skipped" || p.state === "failed");
    if (open.length > 0) out.push(`Not checked: ${open.map((p) => p.title).join("; ")}.`);
    return out.join("\n");
  }
  out.push(`Root cause (${c.confidence} confidence): ${c.title}`, "", c.explanation, "", "Fix:");
  c.fix.forEach((f, i) => {
    out.push(`  ${i + 1}. ${f.text}`);
    if (f.command) out.push(...f.command.split("\n").map((l) => `       $ ${l}`));
  });
  for (const a of r.alsoFound) {
    out.push("", `Also found (${a.confidence} confidence): ${a.title}`);
    a.fix.forEach((f) =>
      out.push(`  - ${f.text}${f.command ? ` $ ${f.command.split("\n")[0]}` : ""}`),
    );
  }
  const ruled = r.hypotheses.filter((x) => x.status === "ruled-out");
  if (ruled.length > 0) {
    out.push("", "Ruled out:");
    for (const x of ruled) out.push(`  - ${x.statement} ${x.conclusion}`);
  }
  out.push(
    "",
    `(${(r.ms / 1000).toFixed(1)} s; --report DIR writes investigation.md, hypotheses.md, root-cause.md)`,
  );
  return out.join("\n");
}
