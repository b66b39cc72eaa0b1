import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@mneme/model-store';
import { ModelMemory, type ModelMemorySnapshot } from './model-memory.js';

const FILE = 'memory.json';

/** Writes a model's memory to `<root>/<model>/memory.json` atomically (temp file, fsync, rename). */
export async function saveMemory(root: string, memory: ModelMemory): Promise<void> {
  await writeFileAtomic(join(root, memory.modelId, FILE), JSON.stringify(memory.snapshot()));
}

/** Every memory saved under `root` (none when the folder does not exist yet). */
export async function loadMemories(root: string): Promise<Map<string, ModelMemory>> {
  const memories = new Map<string, ModelMemory>();
  let models: string[];
  try {
    models = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return memories;
    throw err;
  }
  for (const model of models) {
    let text: string;
    try {
      text = await readFile(join(root, model, FILE), 'utf8');
    } catch (err) {
      // A folder without a memory file is a create that never completed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    memories.set(model, ModelMemory.restore(JSON.parse(text) as ModelMemorySnapshot));
  }
  return memories;
}
