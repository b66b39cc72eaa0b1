/** `mneme`: the command line of the continual-learning platform. */
import { MnemeError } from '@mneme/errors';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const error = MnemeError.from(err);
  if (error.kind === 'internal') console.error(err);
  else console.error(`mneme: ${error.message}`);
  process.exit(error.kind === 'invalid-argument' ? 2 : 1);
}
