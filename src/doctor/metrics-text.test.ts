import { describe, expect, it } from "vitest";
import { find, parseMetrics } from "./metrics-text.js";

const TEXT = `# HELP modelgate_config_requirement_unmet 1 while a model cannot be served for a missing or rejected setting.
# TYPE modelgate_config_requirement_unmet gauge
modelgate_config_requirement_unmet{model="21",variable="HUGGINGFACE_API_KEY"} 1
modelgate_config_requirement_unmet{model="30",variable="HUGGINGFACE_API_KEY"} 0
# TYPE modelgate_model_ready gauge
modelgate_model_ready{model="21"} 0
modelgate_model_ready{model="30",} 1 1712345678000
http_request_duration_seconds_bucket{le="+Inf",route="/api/v1/models/:model_id/predict"} 12
weird{path="a \\"quoted\\" \\\\ back\\nslash"} +Inf
process_cpu_seconds_total 1.5e-3
`;

describe("parseMetrics", () => {
  it("reads samples with labels, escapes, special values and timestamps", () => {
    const m = parseMetrics(TEXT);
    expect(m.problems).toEqual([]);
    expect(find(m, "modelgate_config_requirement_unmet", { model: "21" })).toEqual([
      {
        name: "modelgate_config_requirement_unmet",
        labels: { model: "21", variable: "HUGGINGFACE_API_KEY" },
        value: 1,
      },
    ]);
    expect(find(m, "modelgate_model_ready", { model: "30" })[0]?.value).toBe(1);
    expect(find(m, "weird")[0]?.labels.path).toBe('a "quoted" \\ back\nslash');
    expect(find(m, "weird")[0]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(find(m, "process_cpu_seconds_total")[0]?.value).toBeCloseTo(0.0015);
    expect(find(m, "http_request_duration_seconds_bucket")[0]?.labels.le).toBe("+Inf");
  });

  it("names the lines it cannot read and keeps the rest", () => {
    const m = parseMetrics('good 1\nbad{x="1" 2\nalso_bad abc\n{nolabel} 3\nok{a="b"} 4\n');
    expect(m.samples.map((s) => s.name)).toEqual(["good", "ok"]);
    expect(m.problems).toEqual([
      'line 2: bad{x="1" 2',
      "line 3: also_bad abc",
      "line 4: {nolabel} 3",
    ]);
  });

  it("does not mistake an HTML page for metrics", () => {
    const m = parseMetrics("<html><body>Not found</body></html>\n");
    expect(m.samples).toEqual([]);
    expect(m.problems).toHaveLength(1);
  });
});
