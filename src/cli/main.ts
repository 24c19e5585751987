// Entry point of the `prodlike` bin (bundled to dist/cli.js).
import { runCli } from './program';
import { processIO } from './io';

if (require.main === module) {
  runCli(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`prodlike: ${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
