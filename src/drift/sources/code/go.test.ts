import { describe, expect, it } from "vitest";
import { scanGo } from "./go.js";
import { stripComments } from "./strip.js";

const SOURCE = `package main

import (
	"log"
	"os"
)

type Config struct {
	Port    int    \`env:"PORT" envDefault:"8080"\`
	Token   string \`env:"API_TOKEN,required"\`
	Queue   string \`envconfig:"QUEUE_NAME"\`
}

func main() {
	// os.Getenv("COMMENTED")
	dsn := os.Getenv("DATABASE_URL")
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	key := os.Getenv("SIGNING_KEY")
	if key == "" {
		log.Fatal("SIGNING_KEY is required")
	}
	if v, ok := os.LookupEnv("FEATURE_FLAG"); ok {
		_ = v
	}
	name := os.Getenv(prefix + "_NAME")
	_, _, _ = dsn, key, name
}
`;

describe("Go scanner", () => {
  const result = scanGo(stripComments(SOURCE, "go"), "main.go");
  const reads = Object.fromEntries(
    result.reads.map((r) => [r.name, `${r.read.need}@${r.read.location.line}`]),
  );

  it("reads Getenv (required unless given a fallback) and LookupEnv (optional)", () => {
    expect(reads.DATABASE_URL).toBe("required@16");
    expect(reads.AWS_REGION).toBe("optional@17");
    expect(reads.SIGNING_KEY).toBe("required@21");
    expect(reads.FEATURE_FLAG).toBe("optional@25");
    expect(reads.COMMENTED).toBeUndefined();
  });

  it("reads env struct tags, with required and default options", () => {
    expect(reads.PORT).toBe("optional@9");
    expect(reads.API_TOKEN).toBe("required@10");
    expect(reads.QUEUE_NAME).toBe("optional@11");
  });

  it("reports a computed name as dynamic", () => {
    expect(result.dynamic.map((d) => [d.text, d.location.line])).toEqual([
      ['os.Getenv(prefix + "_NAME")', 28],
    ]);
  });
});
