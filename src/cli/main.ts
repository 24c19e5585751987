// Entry point of the `prodlike` bin (bundled to dist/cli.js).
import { runCli } from './program';
import { processIO } from './io';

if (require.main === module) {
  // `prodlike … | head` closes stdout early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
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
