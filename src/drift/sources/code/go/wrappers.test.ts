import { describe, expect, it } from "vitest";
import { scanGo } from "./test-support/scan.js";

describe("Go wrappers: the module's own functions around os.Getenv", () => {
  it('mustEnv(&cfg.dbURL, "DB_URL") and mustMapEnv that panics make required reads at each call', async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"fmt"
	"os"
)

type config struct{ dbURL, cartAddr string }

func mustEnv(target *string, name string) {
	v := os.Getenv(name)
	if v == "" {
		panic(fmt.Sprintf("environment variable %q not set", name))
	}
	*target = v
}

func main() {
	var cfg config
	mustEnv(&cfg.dbURL, "DB_URL")
	mustMapEnv(&cfg.cartAddr, "CART_SERVICE_ADDR")
}
`,
      // The wrapper in a sibling file of the package, in a file that only calls it.
      "env.go": `package main

import (
	"log"
	"os"
)

func mustMapEnv(target *string, envKey string) {
	v := os.Getenv(envKey)
	if v == "" {
		log.Fatalf("%s not set", envKey)
	}
	*target = v
}
`,
    });
    expect(r.reads).toEqual({
      DB_URL: ["required@main.go:20"],
      CART_SERVICE_ADDR: ["required@main.go:21"],
    });
    expect(r.vias.DB_URL).toEqual(["mustEnv()"]);
    expect(r.dynamic).toEqual([]);
  });

  it("a wrapper with a default is optional; one that returns the value leaves it to the call site", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"log"
	"os"
)

func getEnv(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return fallback
}

func env(key string) string { return os.Getenv(key) }

func main() {
	port := getEnv("PORT", "8080")
	secret := env("SESSION_SECRET")
	if secret == "" {
		log.Fatal("SESSION_SECRET is required")
	}
	region := env("REGION")
	log.Println(port, region + "-1")
	external(env("HANDED_TO_LIBRARY"))
}
`,
    });
    expect(r.needs).toEqual({
      PORT: "optional",
      SESSION_SECRET: "required",
      REGION: "optional",
      HANDED_TO_LIBRARY: "unknown",
    });
  });

  it("a wrapper returning an error is required where the caller checks that error", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"fmt"
	"log"
	"os"
)

func lookup(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set", name)
	}
	return v, nil
}

func load() error {
	if _, err := lookup("CHECKED_BY_RETURN"); err != nil {
		return err
	}
	return nil
}

func main() {
	key, err := lookup("CHECKED_BY_FATAL")
	if err != nil {
		log.Fatal(err)
	}
	opt, _ := lookup("ERROR_IGNORED")
	fmt.Println(key, opt, load())
}
`,
    });
    expect(r.needs).toEqual({
      CHECKED_BY_RETURN: "required",
      CHECKED_BY_FATAL: "required",
      ERROR_IGNORED: "optional",
    });
  });

  it("across packages of the module, through a chain of wrappers, with constant names", async () => {
    const r = await scanGo({
      "internal/config/env.go": `package config

import (
	"log"
	"os"
)

const TokenVar = "API_TOKEN"

func Get(name string) string { return os.Getenv(name) }

func MustGet(name string) string {
	v := Get(name)
	if v == "" {
		log.Fatalf("%s is required", name)
	}
	return v
}
`,
      "cmd/api/main.go": `package main

import (
	cfg "example.com/app/internal/config"
)

func main() {
	token := cfg.MustGet(cfg.TokenVar)
	dsn := cfg.MustGet("DATABASE_URL")
	level := cfg.Get("LOG_LEVEL")
	if level == "" {
		level = "info"
	}
	name := cfg.MustGet(service + "_NAME")
	println(token, dsn, level, name)
}

var service = "api"
`,
    });
    expect(r.reads).toEqual({
      API_TOKEN: ["required@cmd/api/main.go:8"],
      DATABASE_URL: ["required@cmd/api/main.go:9"],
      LOG_LEVEL: ["optional@cmd/api/main.go:10"],
    });
    expect(r.dynamic).toEqual(['cmd/api/main.go:14 cfg.MustGet(service + "_NAME")']);
  });

  it("a method or an unrelated function of the same name is not a wrapper call", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"net/http"
	"os"
)

func Get(key string) string { return os.Getenv(key) }

type cache struct{}

func (cache) Get(key string) string { return key }

func main() {
	var c cache
	_ = c.Get("CACHE_KEY")
	r, _ := http.Get("http://example.com")
	_ = r
	_ = Get("REAL_READ") + "x"
}
`,
    });
    expect(Object.keys(r.reads)).toEqual(["REAL_READ"]);
  });
});

describe("Go policy readers: wrappers declared in the policy file", () => {
  it("matches the callee text and takes the declared argument and need", async () => {
    const r = await scanGo(
      {
        "main.go": `package main

import "example.com/shared/config"

func main() {
	a := config.MustGet("POLICY_REQUIRED")
	b := config.Get("unused", "POLICY_OPTIONAL")
	c := other.MustGet("NOT_DECLARED")
	d := config.MustGet(name)
	println(a, b, c, d)
}
`,
      },
      [
        { call: "config.MustGet", nameArg: 1, required: true },
        { call: "config.Get", nameArg: 2, required: false },
      ],
    );
    expect(r.reads).toEqual({
      POLICY_REQUIRED: ["required@main.go:6"],
      POLICY_OPTIONAL: ["optional@main.go:7"],
    });
    expect(r.vias.POLICY_REQUIRED).toEqual(["config.MustGet() (policy reader)"]);
    expect(r.dynamic).toEqual(["main.go:9 config.MustGet(name)"]);
  });
});
