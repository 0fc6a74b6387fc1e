/**
 * @module @mirage-ts/mirage
 *
 * What a unikernel's config.ts imports: the typed configuration DSL. The `mirage`
 * command itself lives in ./cli and is never linked into a unikernel.
 */
export * from "./dsl/index.ts";
