import { type SamplesEvent } from '@mneme/contracts';
import { newEventHeader } from './event-header.js';

/** A small valid SamplesEvent for `modelId` whose one sample carries `text` (to tell events apart). */
export function samplesEvent(modelId: string, text: string, eventId?: string): SamplesEvent {
  return {
    header: newEventHeader({ modelId, producer: 'test', ...(eventId === undefined ? {} : { eventId }) }),
    samples: [
      {
        sample: { sampleId: text, input: { kind: { $case: 'text', value: text } }, label: 'a', metadata: {} },
        experience: { modelId, experienceIndex: 0 },
      },
    ],
  };
}

/** The text of a samplesEvent's first sample. */
export function textOf(event: SamplesEvent): string {
  const kind = event.samples[0]?.sample?.input?.kind;
  return kind?.$case === 'text' ? kind.value : '';
}

/** Waits until `predicate` holds, polling every 10 ms, or fails after `timeoutMs` saying `what`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
