import { describe, expect, it } from "vitest";
import { py, scanPython } from "./test-support/scan.js";

const V2 = py(
  "from typing import ClassVar, Optional",
  "from pydantic import AliasChoices, Field, field_validator",
  "from pydantic_settings import BaseSettings, SettingsConfigDict",
  "",
  "",
  "class Settings(BaseSettings):",
  '    """Settings. DOCSTRING_FIELD: str is not a field; os.getenv("NOR_A_READ")."""',
  "",
  '    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env")',
  "",
  "    database_url: str",
  "    redis_url: Optional[str] = None",
  "    workers: int = 4",
  '    api_key: str = Field(..., validation_alias="SERVICE_API_KEY")',
  "    region: str = Field(",
  '        default="us-east-1",',
  '        alias="AWS_REGION",',
  "    )",
  '    token: str = Field(validation_alias=AliasChoices("HF_TOKEN", "HUGGINGFACE_API_KEY"))',
  "    maybe: str | None",
  "    _private: str = 'x'",
  "    VERSION: ClassVar[str] = '1'",
  "    untyped = 5",
  "",
  '    @field_validator("database_url")',
  "    @classmethod",
  "    def check(cls, value: str) -> str:",
  "        inside_method: str = value",
  "        return value",
  "",
  "    def url(self) -> str:",
  "        return self.database_url",
  "",
  "",
  "class Other:",
  "    not_a_setting: str",
);

describe("pydantic BaseSettings", () => {
  it("reads fields only, with the env prefix, aliases and need from the default (pydantic-settings v2)", async () => {
    const { needs, vias, alternatives } = await scanPython({ "app/settings.py": V2 });
    expect(needs).toEqual({
      APP_DATABASE_URL: "required@11",
      APP_REDIS_URL: "optional@12",
      APP_WORKERS: "optional@13",
      SERVICE_API_KEY: "required@14",
      AWS_REGION: "optional@15",
      HF_TOKEN: "required@19",
      // v2: `str | None` without a default must still be given (its value may be None).
      APP_MAYBE: "required@20",
    });
    expect(alternatives).toEqual({ HF_TOKEN: ["HUGGINGFACE_API_KEY"] });
    expect(vias.APP_DATABASE_URL).toBe("pydantic BaseSettings field");
  });

  it("understands pydantic v1: class Config, Field(env=...), Optional without default is optional", async () => {
    const { needs } = await scanPython(
      py(
        "from typing import Optional",
        "from pydantic import BaseSettings, Field",
        "",
        "class Legacy(BaseSettings):",
        '    token: str = Field(..., env="LEGACY_TOKEN")',
        '    names: str = Field(..., env=["FIRST_NAME", "SECOND_NAME"])',
        "    optional_one: Optional[str]",
        "    plain: int",
        "",
        "    class Config:",
        '        env_prefix = "OLD_"',
        "        case_sensitive = False",
      ),
    );
    expect(needs).toEqual({
      LEGACY_TOKEN: "required@5",
      FIRST_NAME: "required@6",
      OLD_OPTIONAL_ONE: "optional@7",
      OLD_PLAIN: "required@8",
    });
  });

  it("follows subclasses declared in other modules, inheriting the prefix and version", async () => {
    const { needs, where } = await scanPython({
      "app/base.py": py(
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "class AppSettings(BaseSettings):",
        '    model_config = SettingsConfigDict(env_prefix="SVC_")',
        "    name: str = 'svc'",
      ),
      "app/worker.py": py(
        "from app.base import AppSettings",
        "class WorkerSettings(AppSettings):",
        "    queue_name: str",
        "    maybe: int | None",
      ),
      "app/cli.py": py(
        "from app.worker import WorkerSettings",
        "class CliSettings(WorkerSettings):",
        "    verbose: bool = False",
      ),
      "app/unrelated.py": py("class Unrelated(Base):", "    field: str"),
    });
    expect(needs).toEqual({
      SVC_NAME: "optional@4",
      SVC_QUEUE_NAME: "required@3",
      SVC_MAYBE: "required@4",
      SVC_VERBOSE: "optional@3",
    });
    expect(where.SVC_QUEUE_NAME).toBe("app/worker.py:3");
  });

  it("keeps the case with case_sensitive, reads Annotated Field aliases, class keyword config", async () => {
    const { needs } = await scanPython(
      py(
        "from typing import Annotated",
        "from pydantic import Field",
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "class Exact(BaseSettings):",
        '    model_config = SettingsConfigDict(case_sensitive=True, env_prefix="My_")',
        "    Mixed_Case: str",
        "class Annotated_(BaseSettings):",
        '    key: Annotated[str, Field(alias="ANNOTATED_KEY")]',
        'class Keywords(BaseSettings, env_prefix="KW_"):',
        "    value: str = Field(default_factory=lambda: 'x')",
      ),
    );
    expect(needs).toEqual({
      My_Mixed_Case: "required@6",
      ANNOTATED_KEY: "required@8",
      KW_VALUE: "optional@10",
    });
  });

  it("reports a nested model field under its own name, need unknown", async () => {
    const { needs } = await scanPython({
      "app/models.py": py(
        "from pydantic import BaseModel",
        "class Database(BaseModel):",
        "    host: str",
        "    port: int = 5432",
      ),
      "app/settings.py": py(
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "from app.models import Database",
        "class Settings(BaseSettings):",
        '    model_config = SettingsConfigDict(env_nested_delimiter="__")',
        "    database: Database",
        "    debug: bool = False",
      ),
    });
    expect(needs).toEqual({ DATABASE: "unknown@5", DEBUG: "optional@6" });
  });
});
