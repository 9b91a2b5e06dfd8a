import { describe, expect, it } from "vitest";
import { scanGo } from "./test-support/scan.js";

/** A main package whose main() body is `body`, importing what the fixtures use. */
function program(body: string, extra = ""): Record<string, string> {
  return {
    "main.go": `package main

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"

	"k8s.io/klog/v2"
)

var _ = errors.New
var _ = fmt.Sprint
var _ = log.Print
var _ = http.Error
var _ = strconv.Itoa
var _ = strings.ToLower
var _ = klog.Info

${extra}

func main() {
${body}
}
`,
  };
}

async function needs(body: string, extra = ""): Promise<Record<string, string>> {
  return (await scanGo(program(body, extra))).needs;
}

describe("Go need: required when emptiness leads to failure", () => {
  it("log.Fatal, panic, os.Exit, klog.Fatalf, any logger's Fatal, an http.Error 500", async () => {
    expect(
      await needs(`
	if os.Getenv("BY_LOG_FATAL") == "" {
		log.Fatal("missing")
	}
	if v := os.Getenv("BY_PANIC"); v == "" {
		panic("missing")
	}
	if len(os.Getenv("BY_EXIT")) == 0 {
		fmt.Fprintln(os.Stderr, "missing")
		os.Exit(1)
	}
	if strings.TrimSpace(os.Getenv("BY_KLOG")) == "" {
		klog.Fatalf("missing")
	}
	logger := newLogger()
	if os.Getenv("BY_LOGGER") == "" {
		logger.Fatalw("missing")
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if os.Getenv("BY_HTTP_500") == "" {
			http.Error(w, "not configured", http.StatusInternalServerError)
			return
		}
	})`),
    ).toEqual({
      BY_LOG_FATAL: "required",
      BY_PANIC: "required",
      BY_EXIT: "required",
      BY_KLOG: "required",
      BY_LOGGER: "required",
      BY_HTTP_500: "required",
    });
  });

  it("returning a non-nil error, directly or from the code after an early return", async () => {
    const extra = `
func load() (string, error) {
	dsn := os.Getenv("BY_ERRORF")
	if dsn == "" {
		return "", fmt.Errorf("DSN is required")
	}
	if os.Getenv("BY_ERRORS_NEW") == "" {
		return "", errors.New("missing")
	}
	if v := os.Getenv("AFTER_EARLY_RETURN"); v != "" {
		return v, nil
	}
	return "", ErrNotConfigured
}

var ErrNotConfigured = errors.New("not configured")
`;
    expect(await needs("\t_, _ = load()", extra)).toEqual({
      BY_ERRORF: "required",
      BY_ERRORS_NEW: "required",
      AFTER_EARLY_RETURN: "required",
    });
  });

  it("through a local, `!` and `||`, a switch, a LookupEnv !ok, a parse error, a helper that dies", async () => {
    expect(
      await needs(
        `
	token := os.Getenv("THROUGH_LOCAL")
	region := os.Getenv("OTHER")
	if region == "eu" || !(token != "") {
		log.Fatalf("token")
	}
	switch os.Getenv("SWITCH_DEFAULT") {
	case "a", "b":
	default:
		log.Fatal("MODE must be a or b")
	}
	if _, ok := os.LookupEnv("LOOKUP_NOT_OK"); !ok {
		log.Fatal("missing")
	}
	n, err := strconv.Atoi(os.Getenv("ATOI_FAILS"))
	if err != nil {
		log.Fatalf("bad: %v", err)
	}
	if os.Getenv("HELPER_DIES") == "" {
		die("missing")
	}
	_ = n`,
        `func die(msg string) { log.Fatal(msg) }`,
      ),
    ).toEqual({
      THROUGH_LOCAL: "required",
      OTHER: "optional",
      SWITCH_DEFAULT: "required",
      LOOKUP_NOT_OK: "required",
      ATOI_FAILS: "required",
      HELPER_DIES: "required",
    });
  });

  it("through a package-level variable or a struct field checked in another file of the package", async () => {
    const r = await scanGo({
      "config.go": `package main

import "os"

type server struct{ dbURL string }

var apiKey = os.Getenv("PACKAGE_VAR")

func newServer() *server {
	s := &server{}
	s.dbURL = os.Getenv("STRUCT_FIELD")
	return s
}
`,
      "main.go": `package main

import "log"

func main() {
	srv := newServer()
	if srv.dbURL == "" {
		log.Fatal("DB URL missing")
	}
	if apiKey == "" {
		panic("API key missing")
	}
}
`,
    });
    expect(r.reads).toEqual({
      PACKAGE_VAR: ["required@config.go:7"],
      STRUCT_FIELD: ["required@config.go:11"],
    });
  });

  it("through a getter's callers, and a function of the module the value is passed to", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"log"
	"os"
)

func dbURL() string { return os.Getenv("GETTER") }

func mustNotBeEmpty(name, v string) string {
	if v == "" {
		log.Fatalf("%s is required", name)
	}
	return v
}

func main() {
	if dbURL() == "" {
		log.Fatal("no database")
	}
	_ = mustNotBeEmpty("X", os.Getenv("PASSED_TO_CHECKER"))
}
`,
    });
    expect(r.needs).toEqual({ GETTER: "required", PASSED_TO_CHECKER: "required" });
  });
});

describe("Go need: optional when absence is handled or the empty string is a working value", () => {
  it("presence tests, comparisons, fallbacks, LookupEnv with ok", async () => {
    expect(
      await needs(`
	if v := os.Getenv("PRESENCE"); v != "" {
		fmt.Println(v)
	}
	branding := "true" == strings.ToLower(os.Getenv("LOWERED_COMPARE"))
	if os.Getenv("EQUALS_ONE") == "1" {
		fmt.Println(branding)
	}
	port := os.Getenv("FALLBACK")
	if port == "" {
		port = "8080"
	}
	if value, ok := os.LookupEnv("LOOKUP_OK"); ok {
		port = value
	}
	if os.Getenv("EMPTY_RETURNS_QUIETLY") == "" {
		return
	}
	fmt.Println(port)`),
    ).toEqual({
      PRESENCE: "optional",
      LOWERED_COMPARE: "optional",
      EQUALS_ONE: "optional",
      FALLBACK: "optional",
      LOOKUP_OK: "optional",
      EMPTY_RETURNS_QUIETLY: "optional",
    });
  });

  it("the empty string used as a value: concatenated, formatted, split, put in a map", async () => {
    expect(
      await needs(`
	addr := os.Getenv("LISTEN_ADDR")
	log.Printf("listening on %s", addr)
	_ = http.ListenAndServe(addr+":8080", nil)
	url := fmt.Sprintf("%s/api", os.Getenv("FORMATTED"))
	hosts := strings.Split(os.Getenv("SPLIT"), ",")
	data := map[string]string{"banner_color": os.Getenv("IN_MAP")}
	fmt.Println(url, hosts, data)`),
    ).toEqual({
      LISTEN_ADDR: "optional",
      FORMATTED: "optional",
      SPLIT: "optional",
      IN_MAP: "optional",
    });
  });

  it("a failure only reachable when the variable is set says nothing about its absence", async () => {
    expect(
      await needs(`
	if s := os.Getenv("GUARDED_PARSE"); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil {
			log.Fatalf("bad: %v", err)
		}
		fmt.Println(d)
	}
	n := os.Getenv("AFTER_RETURN_GUARD")
	if n == "" {
		return
	}
	if _, err := strconv.Atoi(n); err != nil {
		log.Fatal(err)
	}
	if os.Getenv("SAME_READ_TWICE") != "" {
		v := os.Getenv("SAME_READ_TWICE")
		if v == "" {
			log.Fatal("unreachable")
		}
	}`),
    ).toEqual({
      GUARDED_PARSE: "optional",
      AFTER_RETURN_GUARD: "optional",
      SAME_READ_TWICE: "optional",
    });
  });
});

describe("Go need: unknown when nothing shows what absence does (never guessed required)", () => {
  it("passed to a library, only logged, discarded, or never used", async () => {
    expect(
      await needs(`
	client := connect(os.Getenv("PASSED_TO_LIBRARY"))
	log.Printf("token=%s", os.Getenv("ONLY_LOGGED"))
	_ = os.Getenv("DISCARDED")
	unused := os.Getenv("NEVER_USED")
	cfg := Settings{Region: os.Getenv("FIELD_NEVER_READ")}
	fmt.Println(client, cfg)`),
    ).toEqual({
      PASSED_TO_LIBRARY: "unknown",
      ONLY_LOGGED: "unknown",
      DISCARDED: "unknown",
      NEVER_USED: "unknown",
      FIELD_NEVER_READ: "unknown",
    });
  });
});
