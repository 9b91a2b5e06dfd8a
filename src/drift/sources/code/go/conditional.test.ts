import { describe, expect, it } from "vitest";
import { scanGo } from "./test-support/scan.js";

describe("Go need: reads that depend on another variable", () => {
  it("only reached when another variable is set: unknown, naming it (also one or two calls up)", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"log"
	"os"
)

func mustMapEnv(target *string, key string) {
	v := os.Getenv(key)
	if v == "" {
		log.Fatalf("%s not set", key)
	}
	*target = v
}

func initTracing() {
	var addr string
	mustMapEnv(&addr, "COLLECTOR_SERVICE_ADDR")
}

func main() {
	if os.Getenv("ENABLE_TRACING") == "1" {
		initTracing()
	}
	if os.Getenv("API_KEY") == "" {
		log.Fatal("API_KEY is required")
	}
	var db string
	mustMapEnv(&db, "DATABASE_URL")
	if os.Getenv("DISABLE_CACHE") != "" {
		return
	}
	var cache string
	mustMapEnv(&cache, "CACHE_ADDR")
}
`,
    });
    expect(r.needs).toMatchObject({
      COLLECTOR_SERVICE_ADDR: "unknown",
      // A preceding check that fails without API_KEY does not make later reads conditional.
      DATABASE_URL: "required",
      CACHE_ADDR: "required",
    });
    expect(r.vias.COLLECTOR_SERVICE_ADDR).toEqual([
      "mustMapEnv(), only reached when ENABLE_TRACING is set",
    ]);
    // Reached only while DISABLE_CACHE is absent: setting DISABLE_CACHE satisfies it too.
    expect(r.alternatives).toEqual({ CACHE_ADDR: ["DISABLE_CACHE"] });
  });

  it("a read needed only when another is absent has that one as an alternative", async () => {
    const r = await scanGo({
      "config.go": `package services

import (
	"errors"
	"os"
)

func dsn() (string, error) {
	conn, ok := os.LookupEnv("MYSQL_CONNECTION")
	if ok {
		return conn, nil
	} else {
		user, ok := os.LookupEnv("DB_USER")
		if ok {
			return user + "@db", nil
		} else {
			return "", errors.New("no database connection information provided")
		}
	}
}
`,
    });
    // The inner ok is a new variable: MYSQL_CONNECTION's own absence is handled (DB_USER path).
    expect(r.needs).toEqual({ MYSQL_CONNECTION: "optional", DB_USER: "required" });
    expect(r.alternatives).toEqual({ DB_USER: ["MYSQL_CONNECTION"] });
  });

  it("an error overwritten before it is checked, and a bare err that may be nil, do not make a read required", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"os"
	"strconv"
)

func toInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err
}

func dial(addr string) (string, error) { return addr, nil }

func config() (int64, error) {
	sleep, err := toInt(os.Getenv("SLEEP_MS"))
	rate, err := toInt(os.Getenv("FAIL_RATE"))
	if err != nil {
		return 0, err
	}
	return sleep + rate, nil
}

func connect() (string, error) {
	conn, err := dial("redis:6379")
	if os.Getenv("REDIS_PASSWORD") == "" {
		return conn, err
	}
	return conn, nil
}
`,
    });
    expect(r.needs).toEqual({
      SLEEP_MS: "optional",
      FAIL_RATE: "required",
      REDIS_PASSWORD: "optional",
    });
  });
});
