import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import { cloneModel, createTensor, type Model } from '@mneme/graph';
import { formatShape, shapesEqual, type Tensor, tensor, zeros } from '@mneme/tensor';

/** A float32 tensor: parameters and optimizer state are float32 throughout the engine. */
export type Float32Tensor = Tensor<'float32'>;

/**
 * Trainable parameters (name → float32 tensor), their optimizer state (name → slot → tensor), the
 * number of updates applied, and free-form metadata. The runners read parameters from here and swap
 * in the updated tensors after each step; checkpoints save and restore the whole store.
 */
export class ParameterStore {
  /** Number of optimizer updates applied so far. */
  step = 0;
  /** Free-form string metadata saved with checkpoints (e.g. the optimizer spec, the model version). */
  metadata: Record<string, string> = {};
  private readonly params = new Map<string, Float32Tensor>();
  private readonly state = new Map<string, Map<string, Float32Tensor>>();

  /**
   * A store holding copies of `model`'s float32 initializers (all of them, or those named).
   *
   * @throws InvalidArgumentError naming every requested name that is not a float32 initializer
   */
  static fromModel(model: Model, names?: readonly string[]): ParameterStore {
    const inits = model.graph.initializers;
    const wanted = names ?? [...inits].filter(([, t]) => t.dtype === 'float32').map(([n]) => n);
    const problems = wanted.flatMap((n) => {
      const t = inits.get(n);
      if (t === undefined) return [`'${n}' is not an initializer of graph '${model.graph.name}'`];
      return t.dtype === 'float32' ? [] : [`initializer '${n}' is not float32`];
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const store = new ParameterStore();
    for (const n of wanted) {
      const t = inits.get(n)!;
      store.set(n, tensor('float32', [...t.shape], Float32Array.from(t.data as Float32Array)));
    }
    return store;
  }

  /** Parameter names, in insertion order. */
  names(): string[] {
    return [...this.params.keys()];
  }

  /** Whether a parameter exists. */
  has(name: string): boolean {
    return this.params.has(name);
  }

  /**
   * A parameter's current value (shared, not copied: do not mutate it).
   *
   * @throws NotFoundError for an unknown name
   */
  get(name: string): Float32Tensor {
    const t = this.params.get(name);
    if (t === undefined)
      throw new NotFoundError(`parameter '${name}' is not in the store (it holds ${this.names().join(', ') || 'nothing'})`);
    return t;
  }

  /**
   * Sets a parameter. Replacing an existing one keeps its state only when the shape is unchanged.
   *
   * @throws InvalidArgumentError when `value` is not float32
   */
  set(name: string, value: Float32Tensor): void {
    if (value.dtype !== 'float32') throw new InvalidArgumentError(`parameter '${name}' must be float32, got ${String(value.dtype)}`);
    const previous = this.params.get(name);
    if (previous !== undefined && !shapesEqual(previous.shape, value.shape)) this.state.delete(name);
    this.params.set(name, value);
  }

  /** Slot names of a parameter's optimizer state. */
  stateSlots(name: string): string[] {
    return [...(this.state.get(name)?.keys() ?? [])];
  }

  /**
   * One state tensor.
   *
   * @throws NotFoundError when the parameter has no such slot
   */
  getState(name: string, slot: string): Float32Tensor {
    const t = this.state.get(name)?.get(slot);
    if (t === undefined) throw new NotFoundError(`parameter '${name}' has no optimizer state '${slot}'`);
    return t;
  }

  /**
   * Sets one state tensor; it must have its parameter's shape.
   *
   * @throws NotFoundError for an unknown parameter
   * @throws InvalidArgumentError for a wrong dtype or shape
   */
  setState(name: string, slot: string, value: Float32Tensor): void {
    const param = this.get(name);
    if (value.dtype !== 'float32' || !shapesEqual(param.shape, value.shape)) {
      throw new InvalidArgumentError(
        `state '${slot}' of '${name}' must be float32 ${formatShape(param.shape)}, got ${String(value.dtype)} ${formatShape(value.shape)}`,
      );
    }
    let slots = this.state.get(name);
    if (slots === undefined) {
      slots = new Map();
      this.state.set(name, slots);
    }
    slots.set(slot, value);
  }

  /** Creates zero state for every listed slot a parameter lacks (fresh optimizer state). */
  ensureState(slots: readonly string[], names: readonly string[] = this.names()): void {
    for (const name of names) {
      const shape = this.get(name).shape;
      for (const slot of slots) if (this.state.get(name)?.get(slot) === undefined) this.setState(name, slot, zeros('float32', shape));
    }
  }

  /** Drops all optimizer state and resets the step count (e.g. when switching optimizer). */
  resetState(): void {
    this.state.clear();
    this.step = 0;
  }

  /** A deep copy (tensor data copied). */
  clone(): ParameterStore {
    const copy = new ParameterStore();
    copy.step = this.step;
    copy.metadata = { ...this.metadata };
    const dup = (t: Float32Tensor): Float32Tensor => tensor('float32', t.shape, Float32Array.from(t.data));
    for (const [n, t] of this.params) copy.params.set(n, dup(t));
    for (const [n, slots] of this.state) copy.state.set(n, new Map([...slots].map(([s, t]) => [s, dup(t)])));
    return copy;
  }

  /**
   * A copy of `model` whose initializers of the same names hold this store's values (for export and
   * for forward runs that bake the weights in).
   *
   * @throws InvalidArgumentError naming parameters that are not initializers of the model or differ in shape
   */
  applyTo(model: Model): Model {
    const copy = cloneModel(model);
    const problems: string[] = [];
    for (const [name, t] of this.params) {
      const init = copy.graph.initializers.get(name);
      if (init === undefined) problems.push(`parameter '${name}' is not an initializer of graph '${model.graph.name}'`);
      else if (!shapesEqual(init.shape, t.shape))
        problems.push(`parameter '${name}' is ${formatShape(t.shape)} but the initializer is ${formatShape(init.shape)}`);
      else copy.graph.initializers.set(name, createTensor('float32', [...t.shape], Float32Array.from(t.data)));
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return copy;
  }
}
