import { describe, expect, it } from "vitest";
import { replace } from "./viper.js";
import { scanGo } from "./test-support/scan.js";

describe("viper", () => {
  it("AutomaticEnv: Get* reads PREFIX_KEY with the key replacer; defaults and bound flags are optional", async () => {
    const r = await scanGo({
      "cmd/app/main.go": `package main

import (
	"log"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

func main() {
	fs := pflag.NewFlagSet("default", pflag.ContinueOnError)
	fs.Int("port", 9898, "HTTP port")
	fs.String("ui-color", "#34577c", "UI color")
	var level string
	fs.StringVarP(&level, "log-level", "l", "info", "log level")
	viper.BindPFlags(fs)
	viper.SetDefault("jwt-secret", "dev")
	viper.Set("hostname", "me")
	viper.SetEnvPrefix("podinfo")
	viper.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	viper.AutomaticEnv()

	port := viper.GetInt("port")
	secret := viper.GetString("jwt-secret")
	db := viper.GetString("database.url")
	if db == "" {
		log.Fatal("database.url is required")
	}
	name := viper.GetString("service-name")
	host := viper.GetString("hostname")
	_, _, _, _ = port, secret, name, host
}
`,
      // Another package reads the same global viper.
      "pkg/tracing/tracing.go": `package tracing

import "github.com/spf13/viper"

func Enabled() bool { return viper.GetString("otel-endpoint") != "" }
`,
    });
    expect(r.reads).toEqual({
      PODINFO_PORT: ["optional@cmd/app/main.go:24"],
      PODINFO_JWT_SECRET: ["optional@cmd/app/main.go:25"],
      PODINFO_DATABASE_URL: ["required@cmd/app/main.go:26"],
      PODINFO_SERVICE_NAME: ["unknown@cmd/app/main.go:30"],
      PODINFO_OTEL_ENDPOINT: ["optional@pkg/tracing/tracing.go:5"],
    });
    expect(r.vias.PODINFO_PORT).toEqual(['viper.GetInt("port")']);
  });

  it("Unmarshal reads every key viper knows: flags, defaults and bound variables", async () => {
    const r = await scanGo({
      "main.go": `package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

type Config struct {
	Port  int    \`mapstructure:"port"\`
	Color string \`mapstructure:"ui-color"\`
}

func main() {
	cmd := &cobra.Command{}
	cmd.Flags().Int("port", 8080, "port")
	cmd.Flags().String("ui_color", "blue", "color")
	viper.BindPFlags(cmd.Flags())
	viper.SetDefault("timeout", "5s")
	viper.BindEnv("token", "APP_TOKEN", "TOKEN")
	viper.AutomaticEnv()
	var cfg Config
	_ = viper.Unmarshal(&cfg)
}
`,
    });
    expect(r.reads).toEqual({
      PORT: ["optional@main.go:15"],
      UI_COLOR: ["optional@main.go:16"],
      TIMEOUT: ["optional@main.go:18"],
      APP_TOKEN: ["unknown@main.go:19"],
      TOKEN: ["unknown@main.go:19"],
    });
  });

  it("without AutomaticEnv only BindEnv keys read the environment; a viper.New() instance has its own settings", async () => {
    const r = await scanGo({
      "main.go": `package main

import "github.com/spf13/viper"

func main() {
	viper.BindEnv("api-key", "SERVICE_API_KEY")
	viper.BindEnv("region")
	_ = viper.GetString("api-key") + viper.GetString("region") + viper.GetString("not-bound")

	v := viper.New()
	v.SetEnvPrefix("worker")
	v.AutomaticEnv()
	_ = v.GetString("queue") + "x"
}
`,
    });
    expect(r.needs).toEqual({
      SERVICE_API_KEY: "optional",
      REGION: "optional",
      WORKER_QUEUE: "optional",
    });
  });

  it("replaces as strings.NewReplacer does: the first pair matching at each position", () => {
    expect(
      replace("A.B-C", [
        [".", "_"],
        ["-", "_"],
      ]),
    ).toBe("A_B_C");
    expect(
      replace("A..B", [
        ["..", "-"],
        [".", "_"],
      ]),
    ).toBe("A-B");
  });
});
