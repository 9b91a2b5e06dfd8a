import { describe, expect, it } from "vitest";
import { classDeclarations, scanPydantic, settingsClosure } from "./pydantic.js";

const SETTINGS = `
from typing import Optional
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env")

    database_url: str
    redis_url: Optional[str] = None
    workers: int = 4
    api_key: str = Field(..., validation_alias="SERVICE_API_KEY")
    region: str = Field(
        default="us-east-1",
        alias="AWS_REGION",
    )
    _private: str = "x"

    def url(self) -> str:
        return self.database_url


class Other:
    not_a_setting: str
`;

const SUBCLASS = `
from .base import Settings


class WorkerSettings(Settings):
    queue_name: str
`;

const V1 = `
from pydantic import BaseSettings, Field


class Legacy(BaseSettings):
    token: str = Field(..., env="LEGACY_TOKEN")

    class Config:
        env_prefix = "OLD_"
`;

function fields(text: string, classes: Set<string>): Record<string, string> {
  const result = scanPydantic(text, "settings.py", classes);
  return Object.fromEntries(
    result.reads.map((r) => [r.name, `${r.read.need}@${r.read.location.line}`]),
  );
}

describe("pydantic BaseSettings", () => {
  it("reads every field with the env prefix, aliases, and requiredness from the default", () => {
    const classes = settingsClosure(classDeclarations(SETTINGS));
    expect(fields(SETTINGS, classes)).toEqual({
      APP_DATABASE_URL: "required@10",
      APP_REDIS_URL: "optional@11",
      APP_WORKERS: "optional@12",
      SERVICE_API_KEY: "required@13",
      AWS_REGION: "optional@14",
    });
  });

  it("follows subclasses declared in other files", () => {
    const classes = settingsClosure([
      ...classDeclarations(SETTINGS),
      ...classDeclarations(SUBCLASS),
    ]);
    expect(classes.has("WorkerSettings")).toBe(true);
    expect(fields(SUBCLASS, classes)).toEqual({ QUEUE_NAME: "required@6" });
  });

  it("understands pydantic v1 Field(env=...) and class Config", () => {
    const classes = settingsClosure(classDeclarations(V1));
    expect(fields(V1, classes)).toEqual({ LEGACY_TOKEN: "required@6" });
  });
});
