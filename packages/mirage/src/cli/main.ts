import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { TARGETS } from "../codegen/index.ts";
import { QUERY_KINDS, buildProject, clean, configure, describe, query, run, type Progress } from "./commands.ts";
import { CliError } from "./errors.ts";
import { runArgs } from "./run-args.ts";

const progress: Progress = (msg) => process.stderr.write(`mirage: ${msg}\n`);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const targetHelp = `target: ${TARGETS.join(", ")} (unix, hvt and spt can be built)`;

let rawArgv: readonly string[] = [];

function program(): Command {
  const p = new Command("mirage")
    .description("Configure, build and run mirage-ts unikernels.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(try mirage help)")
    .enablePositionalOptions()
    .exitOverride();

  p.command("configure")
    .description("check config.ts and write the generated code for a target into mirage/")
    .option("-t, --target <target>", targetHelp, "unix")
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .option("--dry-run", "print the files that would be written, write nothing")
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText("after", "\nOptions the config declares (see `mirage query options`) are given as --name=value.")
    .action((opts, cmd: Command) => configure(opts, cmd.args, progress));

  p.command("build")
    .description("build the configured unikernel: dist/NAME (unix), dist/NAME.hvt or dist/NAME.spt")
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .action(async (opts: { file?: string }) => {
      await buildProject(opts.file, progress);
    });

  p.command("run")
    .description("build if needed, then run the unikernel (on hvt/spt under its tender); boot arguments go after --")
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .argument("[boot-args...]", "boot arguments, e.g. -- --hello=hi -l '*:debug'")
    .passThroughOptions()
    .allowUnknownOption()
    .addHelpText(
      "after",
      "\nOn hvt and spt, tender options go before --: --mem=MiB, --net:NAME=TAP, --net-mac:NAME=MAC, --block:NAME=FILE\n" +
        "(mirage query devices lists the names), e.g. mirage run --net:service=tap0 -- --ipv4=10.0.0.2/24",
    )
    .action(async (_bootArgs: string[], opts: { file?: string }) => {
      process.exitCode = await run(opts.file, runArgs(rawArgv), progress);
    });

  p.command("clean")
    .description("remove mirage/ and dist/ (generated code and every built image)")
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .action((opts: { file?: string }) => clean(opts.file, progress));

  p.command("describe")
    .description("print the device graph (for the configured target, or -t)")
    .option("-t, --target <target>", targetHelp)
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .option("--dot", "print it in Graphviz's language (render with dot -Tsvg)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action((opts, cmd: Command) => describe(opts, cmd.args, progress));

  p.command("query")
    .description(`print facts about the unikernel: ${QUERY_KINDS.join(", ")}`)
    .argument("<what>", QUERY_KINDS.join(" | "))
    .option("-t, --target <target>", targetHelp)
    .option("-f, --file <config>", "config file (default: ./config.ts)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action((what: string, opts, cmd: Command) => query(what, opts, cmd.args.slice(1), progress));

  return p;
}

export async function main(argv: readonly string[]): Promise<void> {
  rawArgv = argv;
  try {
    await program().parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof CliError) {
      process.stderr.write(`mirage: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

await main(process.argv.slice(2));
