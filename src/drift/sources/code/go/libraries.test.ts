import { describe, expect, it } from "vitest";
import { splitWords } from "./tags.js";
import { scanGo } from "./test-support/scan.js";

describe("kelseyhightower/envconfig", () => {
  it("reads tagged and untagged exported fields under the prefix, nested structs, split_words, ignored", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"log"
	"time"

	"github.com/kelseyhightower/envconfig"
)

type Database struct {
	URL      string \`required:"true"\`
	PoolSize int    \`default:"10"\`
}

type Base struct {
	Debug bool
}

type Specification struct {
	Base
	Port         int           \`envconfig:"PORT" default:"8080"\`
	APIKey       string        \`split_words:"true" required:"true"\`
	MultiWordVar string        \`split_words:"true"\`
	Timeout      time.Duration
	Internal     string        \`ignored:"true"\`
	secret       string
	DB           Database
}

func main() {
	var s Specification
	if err := envconfig.Process("myapp", &s); err != nil {
		log.Fatal(err)
	}
}
`,
    });
    expect(r.reads).toEqual({
      MYAPP_DEBUG: ["optional@main.go:16"],
      MYAPP_PORT: ["optional@main.go:21"],
      MYAPP_API_KEY: ["required@main.go:22"],
      MYAPP_MULTI_WORD_VAR: ["optional@main.go:23"],
      MYAPP_TIMEOUT: ["optional@main.go:24"],
      MYAPP_DB_URL: ["required@main.go:11"],
      MYAPP_DB_POOLSIZE: ["optional@main.go:12"],
    });
    // With a prefix, envconfig falls back to the bare tag name.
    expect(r.alternatives).toEqual({ MYAPP_PORT: ["PORT"] });
  });

  it("MustProcess with an empty prefix, a struct from another package, a constant prefix", async () => {
    const r = await scanGo({
      "internal/settings/settings.go": `package settings

type Settings struct {
	QueueName string \`envconfig:"QUEUE_NAME" required:"true"\`
	Workers   int
}
`,
      "main.go": `package main

import (
	"github.com/kelseyhightower/envconfig"

	"example.com/app/internal/settings"
)

const appName = "worker"

func main() {
	s := settings.Settings{}
	envconfig.MustProcess("", &s)
	other := new(settings.Settings)
	envconfig.MustProcess(appName, other)
}
`,
    });
    expect(r.reads).toEqual({
      QUEUE_NAME: ["required@internal/settings/settings.go:4"],
      WORKERS: ["optional@internal/settings/settings.go:5"],
      WORKER_QUEUE_NAME: ["required@internal/settings/settings.go:4"],
      WORKER_WORKERS: ["optional@internal/settings/settings.go:5"],
    });
  });

  it("a field the library leaves optional is required when the calling package fails on it empty", async () => {
    const r = await scanGo({
      "internal/config/config.go": `package config

import "github.com/kelseyhightower/envconfig"

type Database struct {
	Type string
	URL  string
	Pool int \`default:"4"\`
}

type Environment struct {
	Database Database
}

type Loader struct{ Region string }

func (l *Loader) Load() error { return envconfig.Process("", l) }
`,
      "initiate/setup.go": `package initiate

import (
	"log"

	"github.com/kelseyhightower/envconfig"

	"example.com/app/internal/config"
)

var global = new(config.Environment)

func Setup() {
	if err := envconfig.Process("server", &global); err != nil {
		log.Fatalln(err)
	}
	if global.Database.Type == "" || global.Database.URL == "" {
		log.Fatal("Environment is not set for database")
	}
}
`,
    });
    expect(r.needs).toEqual({
      SERVER_DATABASE_TYPE: "required",
      SERVER_DATABASE_URL: "required",
      SERVER_DATABASE_POOL: "optional",
      REGION: "optional",
    });
  });

  it("splits words as envconfig does", () => {
    expect(splitWords("MultiWordVar")).toBe("Multi_Word_Var");
    expect(splitWords("APIKey")).toBe("API_Key");
    expect(splitWords("ID")).toBe("ID");
    expect(splitWords("OAuth2Token")).toBe("O_Auth2_Token");
  });
});

describe("caarlos0/env", () => {
  it("reads env tags: required, notEmpty, envDefault, envPrefix on nested structs, Options.Prefix", async () => {
    const r = await scanGo({
      "main.go": `package main

import "github.com/caarlos0/env/v11"

type Redis struct {
	Addr string \`env:"ADDR,required"\`
}

type Config struct {
	Home     string \`env:"HOME_DIR,required"\`
	Token    string \`env:"TOKEN,notEmpty"\`
	Port     int    \`env:"PORT" envDefault:"3000"\`
	Safe     string \`env:"SAFE,required" envDefault:"x"\`
	Untagged string
	Cache    Redis  \`envPrefix:"CACHE_"\`
}

func main() {
	var cfg Config
	_ = env.Parse(&cfg)
	_ = env.ParseWithOptions(&cfg, env.Options{Prefix: "APP_"})
}
`,
    });
    expect(r.needs).toEqual({
      HOME_DIR: "required",
      TOKEN: "required",
      PORT: "optional",
      SAFE: "optional",
      CACHE_ADDR: "required",
      APP_HOME_DIR: "required",
      APP_TOKEN: "required",
      APP_PORT: "optional",
      APP_SAFE: "optional",
      APP_CACHE_ADDR: "required",
    });
  });

  it("ParseAs[T] and RequiredIfNoDef", async () => {
    const r = await scanGo({
      "main.go": `package main

import "github.com/caarlos0/env/v11"

type Config struct {
	Region string \`env:"REGION"\`
	Zone   string \`env:"ZONE" envDefault:"a"\`
}

func main() {
	cfg, err := env.ParseAs[Config]()
	_, _ = cfg, err
}
`,
      "strict/strict.go": `package strict

import "github.com/caarlos0/env/v11"

type Strict struct {
	Level string \`env:"STRICT_LEVEL"\`
}

func Load() (Strict, error) {
	return env.ParseAsWithOptions[Strict](env.Options{RequiredIfNoDef: true})
}
`,
    });
    expect(r.needs).toEqual({ REGION: "optional", ZONE: "optional", STRICT_LEVEL: "required" });
  });
});

describe("sethvargo/go-envconfig", () => {
  it("reads env tags with required, default= and a nested prefix=", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"context"

	"github.com/sethvargo/go-envconfig"
)

type Database struct {
	Host string \`env:"HOST,required"\`
}

type Config struct {
	Port     string   \`env:"PORT,default=8080"\`
	Token    string   \`env:"TOKEN,required"\`
	Database Database \`env:",prefix=DB_"\`
	Skipped  string
}

func main() {
	var c Config
	if err := envconfig.Process(context.Background(), &c); err != nil {
		panic(err)
	}
}
`,
    });
    expect(r.needs).toEqual({ PORT: "optional", TOKEN: "required", DB_HOST: "required" });
  });
});

describe("struct tags without a library call", () => {
  it("are unknown: the names are there, but nothing shows the struct is read", async () => {
    const r = await scanGo({
      "config.go": `package main

type Config struct {
	Port  int    \`env:"PORT" envDefault:"8080"\`
	Token string \`env:"API_TOKEN,required"\`
	Queue string \`envconfig:"queue_name"\`
	Name  string \`json:"name"\`
}

var unrelated = "env:\\"NOT_A_TAG\\""
`,
    });
    expect(r.needs).toEqual({ PORT: "unknown", API_TOKEN: "unknown", QUEUE_NAME: "unknown" });
    expect(r.vias.PORT).toEqual(['env:"PORT" (no library call reading this struct was found)']);
  });

  it("a struct the library cannot be resolved for is a dynamic read at the call", async () => {
    const r = await scanGo({
      "main.go": `package main

import "github.com/kelseyhightower/envconfig"

func main() {
	envconfig.MustProcess(prefix(), &externalConfig)
}
`,
    });
    expect(r.reads).toEqual({});
    expect(r.dynamic).toEqual(["main.go:6 envconfig.MustProcess(prefix(), &externalConfig)"]);
  });
});
