import { ParameterStore } from '@mneme/execution';
import type { ExperienceInfo, LabelledBatch, Strategy, StrategyState } from '@mneme/methods';

/** A strategy that records what the loop asks of it (the loop's contract is the call sequence). */
export class RecordingStrategy implements Strategy {
  readonly name = 'recording';
  calls: string[] = [];
  learned: number[] = [];
  forgot: number[][] = [];
  forget(ids: Iterable<number>) {
    this.forgot.push([...ids]);
    return 0;
  }
  classes = 0;
  growClasses(count: number) {
    if (count > this.classes) this.calls.push(`grow ${count}`);
    this.classes = Math.max(this.classes, count);
  }
  classCount() {
    return this.classes;
  }
  async beginExperience(info: ExperienceInfo) {
    this.calls.push(`begin ${info.index} [${info.classes.join(',')}]`);
  }
  async learn(batch: LabelledBatch) {
    this.calls.push(`learn e${batch.experience} ids ${Array.from(batch.ids).join(',')}`);
    this.learned.push(...batch.ids);
  }
  async endExperience(info: ExperienceInfo) {
    this.calls.push(`end ${info.index}`);
  }
  async predict(features: Float32Array) {
    return new Int32Array(features.length);
  }
  saveState(): StrategyState {
    return { params: new ParameterStore(), data: { calls: [...this.calls], learned: [...this.learned], classes: this.classes } };
  }
  restoreState(state: StrategyState) {
    this.calls = [...(state.data['calls'] as string[])];
    this.learned = [...(state.data['learned'] as number[])];
    this.classes = state.data['classes'] as number;
  }
}
