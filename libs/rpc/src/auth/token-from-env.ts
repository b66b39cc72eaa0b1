import { readFileSync } from 'node:fs';

/**
 * The bearer token a client sends by default: the MNEME_TOKEN variable, else the contents of the
 * file named by MNEME_TOKEN_FILE (a mounted secret), else none.
 */
export function tokenFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (env['MNEME_TOKEN']) return env['MNEME_TOKEN'].trim();
  const file = env['MNEME_TOKEN_FILE'];
  return file ? readFileSync(file, 'utf8').trim() : undefined;
}
