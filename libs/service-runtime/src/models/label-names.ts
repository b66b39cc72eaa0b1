/**
 * Label names as callers send them: a model's classes are named, never numbered, and learned as
 * they arrive, so a name is checked once where it enters (Ingest, CreateModel, RegisterHeldOut).
 */

/** Longest label name, in UTF-8 bytes. */
export const MAX_LABEL_BYTES = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `label` is not a valid label name, or undefined when it is. */
export function labelNameProblem(label: string): string | undefined {
  if (label === '') return 'the label is empty';
  // Protobuf decodes invalid UTF-8 to U+FFFD; a lone surrogate cannot be encoded at all.
  if (LONE_SURROGATE.test(label) || label.includes('\uFFFD')) return `label '${label}' is not valid UTF-8`;
  const bytes = Buffer.byteLength(label, 'utf8');
  if (bytes > MAX_LABEL_BYTES) return `label '${label.slice(0, 32)}…' is ${bytes} bytes long; the limit is ${MAX_LABEL_BYTES}`;
  return undefined;
}

/**
 * Checks that a model knowing `known` labels may learn `incoming` (label names, repeats allowed)
 * without passing `maxLabels`; returns the problem naming the limit, or undefined.
 */
export function labelLimitProblem(
  known: { has(label: string): boolean; readonly size: number },
  incoming: Iterable<string>,
  maxLabels: number,
): string | undefined {
  const added = new Set<string>();
  for (const label of incoming) if (!known.has(label)) added.add(label);
  const total = known.size + added.size;
  if (total <= maxLabels) return undefined;
  return `the model would have ${total} labels (${known.size} known, ${added.size} new: ${[...added].slice(0, 5).join(', ')}${added.size > 5 ? ', ...' : ''}); the limit is ${maxLabels} (MNEME_MAX_LABELS)`;
}
