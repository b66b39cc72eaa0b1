import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Input } from '@mneme/contracts';
import { DEFAULT_MODEL } from '@mneme/encoders';
import { f32 } from './wire-samples.test-util.js';

/** The encoder model store of this checkout (`npx mneme import-model` fills it). */
export const MODELS_DIR = resolve(import.meta.dirname, '../../../.mneme/models');
/** Whether the default text encoder was imported here; text tests skip without it. */
export const HAVE_MINILM = existsSync(join(MODELS_DIR, DEFAULT_MODEL, 'mneme-model.json'));

/** A feature input. */
export const features = (values: readonly number[]): Input => ({ kind: { $case: 'features', value: f32(values) } });
/** A text input. */
export const text = (value: string): Input => ({ kind: { $case: 'text', value } });
