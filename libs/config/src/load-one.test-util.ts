import { ConfigError } from './config-error.js';
import { defineConfig } from './define-config.js';
import { type Field } from './field.js';

/** Loads a one-field schema with `value` set (or unset when `undefined`) and returns the field's value. */
export function loadOne(f: Field<unknown>, value: string | undefined): unknown {
  const env = value === undefined ? {} : { [f.env]: value };
  return defineConfig({ only: f }).load(env).config.only;
}

/** Loads a one-field schema expecting a refusal; returns the ConfigError message. */
export function refusal(f: Field<unknown>, value: string): string {
  try {
    loadOne(f, value);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`expected ${f.env}='${value}' to be refused`);
}
