import { importModel, resolveImportArgs, type ImportModelOptions } from '@mneme/encoders';

/** `mneme import-model`: imports a text encoder into the local model store (set-up time). */
export async function importModelCommand(options: ImportModelOptions): Promise<void> {
  const started = performance.now();
  const result = await importModel(resolveImportArgs(options));
  console.error(
    `import-model: ${result.imported ? 'imported' : 'already present'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(result.dir);
}
