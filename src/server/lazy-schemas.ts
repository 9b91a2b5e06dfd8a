/**
 * Route schemas compiled when first used, not when the app is built. Fastify compiles every
 * route's request validators (Ajv) and every response serializer (fast-json-stringify, one a
 * route and status, each with an Ajv of its own) while it boots: ~0.35 s of a ~1.5 s start, and
 * the memory of serializers for error statuses most processes never answer. Here each is built
 * on its first call, with the same compilers and options Fastify would use, so what a request
 * sees is unchanged; `compileAll` builds every pending one (the tests use it, with
 * `checkSchemas`, to prove every schema is valid and compiles, as an eager boot would).
 */
import ValidatorSelector from "@fastify/ajv-compiler";
import SerializerSelector from "@fastify/fast-json-stringify-compiler";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
/** What Fastify hands a compiler: the route's schema for one part or status, and where. */
type RouteSchema = Record<string, unknown>;
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => F;
type SerializeFn = (data: unknown) => string;

/** An Ajv validate function: its problems are left on `.errors`, where Fastify reads them. */
interface ValidateFn {
  (data: unknown, context?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

export interface LazySchemas {
  compilersFactory: CompilersFactory;
  /** Compiles every schema not compiled yet; returns how many it compiled. */
  compileAll(): number;
}

export interface LazySchemasOptions {
  /**
   * Check each schema against JSON Schema's meta-schema as Ajv compiles it (~40 ms of a
   * start, on the first request: the route schemas are fixed, and the tests compile them all
   * with this on).
   */
  checkSchemas?: boolean;
}

export function lazySchemas(settings: LazySchemasOptions = {}): LazySchemas {
  const pending = new Set<() => void>();
  const validators = ValidatorSelector() as unknown as Factory<ValidateFn>;
  const serializers = SerializerSelector() as unknown as Factory<SerializeFn>;

  const ajvOptions = (given: unknown): unknown => {
    if (settings.checkSchemas === true) return given;
    const o = (given ?? {}) as { customOptions?: Record<string, unknown> };
    return { ...o, customOptions: { ...o.customOptions, validateSchema: false } };
  };

  /**
   * A factory made lazy twice over: its compiler (for Ajv, an instance whose meta-schema is
   * checked) on the first compile, and each route's function on that route's first call.
   */
  function deferred<F>(factory: Factory<F>, optionsOf: (given: unknown) => unknown = (o) => o) {
    return (externalSchemas: unknown, options: unknown) => {
      let compiler: ((route: RouteSchema) => F) | undefined;
      return (route: RouteSchema): (() => F) => {
        let compiled: F | undefined;
        const build = (): F => {
          pending.delete(build);
          compiler ??= factory(externalSchemas, optionsOf(options));
          return (compiled ??= compiler(route));
        };
        pending.add(build);
        return () => compiled ?? build();
      };
    };
  }
  const validatorsOf = deferred(validators, ajvOptions);
  const serializersOf = deferred(serializers);

  const buildValidator: Factory<ValidateFn> = (externalSchemas, options) => {
    const forRoute = validatorsOf(externalSchemas, options);
    return (route) => {
      const compiled = forRoute(route);
      const validate: ValidateFn = (data, context) => {
        const fn = compiled();
        const result = fn(data, context);
        validate.errors = fn.errors;
        return result;
      };
      // Fastify passes the parent object (so Ajv may replace a root value) only to functions
      // that carry Ajv's schemaEnv; the compiled function has one.
      validate.schemaEnv = true;
      return validate;
    };
  };

  const buildSerializer: Factory<SerializeFn> = (externalSchemas, options) => {
    const forRoute = serializersOf(externalSchemas, options);
    return (route) => {
      const compiled = forRoute(route);
      return (data: unknown) => compiled()(data);
    };
  };

  return {
    compilersFactory: { buildValidator, buildSerializer } as unknown as CompilersFactory,
    compileAll() {
      const all = [...pending];
      for (const build of all) build();
      return all.length;
    },
  };
}
