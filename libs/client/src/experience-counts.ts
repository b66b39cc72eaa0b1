/**
 * Distinct samples accepted per (model, experience) by this client, so closing an experience can
 * tell the trainer how many samples to wait for: samples and closes travel on different topics,
 * and a close that names its count cannot overtake the samples it ends. Ids are kept (not just a
 * number) because the trainer drops repeats only once it has logged the first copy: a sample sent
 * twice in quick succession is reported accepted twice but trained once, and must count once.
 * Memory is one id per sample of each experience still open.
 */
export class ExperienceCounts {
  private readonly ids = new Map<string, Set<string>>();

  /** Records a sample id as accepted into an experience. */
  add(modelId: string, experience: number, sampleId: string): void {
    const key = keyOf(modelId, experience);
    let set = this.ids.get(key);
    if (set === undefined) this.ids.set(key, (set = new Set()));
    set.add(sampleId);
  }

  /** Distinct samples of the experience this client got accepted (0 when none). */
  get(modelId: string, experience: number): number {
    return this.ids.get(keyOf(modelId, experience))?.size ?? 0;
  }

  /** Forgets an experience (once its close went through). */
  clear(modelId: string, experience: number): void {
    this.ids.delete(keyOf(modelId, experience));
  }
}

const keyOf = (modelId: string, experience: number) => `${modelId}\u0000${experience}`;
