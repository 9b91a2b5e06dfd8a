import { describe, expect, it } from "vitest";
import { scanGo } from "./test-support/scan.js";

describe("Go reads: which calls read which names", () => {
  it("reads os.Getenv, os.LookupEnv and syscall.Getenv, through an import alias or a dot import", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	o "os"
	"syscall"
)

func main() {
	a := o.Getenv("ALIASED")
	_, _ = o.LookupEnv("LOOKED_UP")
	b, _ := syscall.Getenv("SYSCALL_READ")
	println(a + b)
}
`,
      "dot/dot.go": `package dot

import . "os"

var Home = Getenv("DOT_IMPORTED") + "/x"
`,
    });
    expect(r.reads).toEqual({
      ALIASED: ["optional@main.go:9"],
      LOOKED_UP: ["optional@main.go:10"],
      SYSCALL_READ: ["unknown@main.go:11"],
      DOT_IMPORTED: ["optional@dot/dot.go:5"],
    });
    expect(r.vias.ALIASED).toEqual(["os.Getenv"]);
    expect(r.vias.SYSCALL_READ).toEqual(["syscall.Getenv"]);
  });

  it("never reads from comments, strings, or a Getenv that is not the os package's", async () => {
    const r = await scanGo({
      "main.go": `package main

import "os"

// os.Getenv("IN_LINE_COMMENT")
/* os.Getenv("IN_BLOCK_COMMENT") */
const usage = "set os.Getenv(\\"IN_STRING\\")"
var raw = \`os.Getenv("IN_RAW_STRING")\`

type store struct{}

func (store) Getenv(k string) string { return k }

func main() {
	var s store
	_ = s.Getenv("A_METHOD_NOT_OS")
	_ = os.Getenv("REAL") + usage + raw
}
`,
    });
    expect(Object.keys(r.reads)).toEqual(["REAL"]);
    expect(r.dynamic).toEqual([]);
  });

  it("takes a name from a string constant: same file, sibling file, function, another package, joined with +", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"os"

	"example.com/app/internal/keys"
)

const keyName = "FROM_CONST"

func main() {
	const local = "FROM_LOCAL_CONST"
	_ = os.Getenv(keyName) + os.Getenv(local)
	_ = os.Getenv(siblingKey) + os.Getenv(keys.Token)
	_ = os.Getenv(prefix + "_URL")
}
`,
      "names.go": `package main

const (
	siblingKey = "FROM_SIBLING_FILE"
	prefix     = "SERVICE"
)
`,
      "internal/keys/keys.go": 'package keys\n\nconst Token = "FROM_OTHER_PACKAGE"\n',
    });
    expect(Object.keys(r.reads).sort()).toEqual([
      "FROM_CONST",
      "FROM_LOCAL_CONST",
      "FROM_OTHER_PACKAGE",
      "FROM_SIBLING_FILE",
      "SERVICE_URL",
    ]);
    expect(r.dynamic).toEqual([]);
  });

  it("reports a name that is not a literal or a constant as a dynamic read", async () => {
    const r = await scanGo({
      "main.go": `package main

import "os"

var name = "NOT_A_CONST"

func read(prefix string) {
	v := os.Getenv(prefix + "_NAME")
	w := os.Getenv(name)
	println(v, w)
}
`,
    });
    expect(r.reads).toEqual({});
    expect(r.dynamic).toEqual([
      'main.go:8 os.Getenv(prefix + "_NAME")',
      "main.go:9 os.Getenv(name)",
    ]);
  });

  it("reads the names inside os.ExpandEnv and os.Expand(…, os.Getenv), as optional", async () => {
    const r = await scanGo({
      "main.go": `package main

import "os"

func main() {
	dsn := os.ExpandEnv("postgres://$DB_USER:\${DB_PASSWORD}@db/$$x")
	url := os.Expand("https://\${API_HOST}/v1", os.Getenv)
	other := os.Expand("\${NOT_ENV}", func(k string) string { return k })
	tmpl := os.ExpandEnv(template)
	println(dsn, url, other, tmpl)
}
`,
    });
    expect(r.needs).toEqual({ DB_USER: "optional", DB_PASSWORD: "optional", API_HOST: "optional" });
    expect(r.dynamic).toEqual(["main.go:9 os.ExpandEnv(template)"]);
  });

  // Ported from the regular-expression scanner's test. Two expectations changed on purpose:
  // DATABASE_URL is only discarded (`_ = dsn`), so what its absence does cannot be told
  // (unknown, was "required"); and the struct tags count only where a library reads the struct.
  it("classifies the old scanner's fixture", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"log"
	"os"

	"github.com/caarlos0/env/v11"
)

type Config struct {
	Port    int    \`env:"PORT" envDefault:"8080"\`
	Token   string \`env:"API_TOKEN,required"\`
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
	var cfg Config
	_ = env.Parse(&cfg)
}
`,
    });
    expect(r.reads).toEqual({
      DATABASE_URL: ["unknown@main.go:17"],
      AWS_REGION: ["optional@main.go:18"],
      SIGNING_KEY: ["required@main.go:22"],
      FEATURE_FLAG: ["optional@main.go:26"],
      PORT: ["optional@main.go:11"],
      API_TOKEN: ["required@main.go:12"],
    });
    expect(r.dynamic).toEqual(['main.go:29 os.Getenv(prefix + "_NAME")']);
  });
});
