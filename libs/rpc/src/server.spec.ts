import { setTimeout as sleep } from 'node:timers/promises';
import { DataType, DescribeServingResponse, EncoderServiceClient, EncoderServiceService, type EmbedRequest } from '@mneme/contracts';
import { InvalidArgumentError, MnemeError, NotFoundError } from '@mneme/errors';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  defineService,
  healthClient,
  INTERNAL_DETAILS,
  rawClient,
  startServer,
  unary,
  type AsyncService,
  type Logger,
  type RunningServer,
} from './index.js';

/** Collects log lines so tests can assert on what the server logged. */
function memoryLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> | undefined }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> | undefined }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const aborted: string[] = [];

/** Observes a promise's outcome at once, so a rejection that lands early is never unhandled. */
function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** A small encoder: embeds each text as [length, word count]; fails on purpose for some inputs. */
const encoder: AsyncService<typeof EncoderServiceService> = {
  async embed(req: EmbedRequest) {
    if (req.model?.modelId.startsWith('echo:')) throw new InvalidArgumentError(`model id '${req.model.modelId}' is not valid`);
    if (req.model?.modelId === 'missing') throw new NotFoundError(`model "missing" does not exist`);
    if (req.inputs.length === 0) throw new InvalidArgumentError('inputs is empty: send 1..1024 inputs');
    const texts = req.inputs.map((i) => (i.kind?.$case === 'text' ? i.kind.value : ''));
    if (texts.includes('boom')) throw new Error('secret internal detail: db password is hunter2');
    const values = new Float32Array(texts.flatMap((t) => [t.length, t.split(' ').length]));
    return {
      servedBy: { modelId: req.model?.modelId ?? '', version: 1 },
      embeddings: { dtype: DataType.DATA_TYPE_FLOAT32, shape: [texts.length, 2], data: new Uint8Array(values.buffer) },
    };
  },
  async predict() {
    throw new InvalidArgumentError(['top_k must be <= 150', 'inputs[0] is empty']);
  },
  async describeServing(req, ctx) {
    // Slow on purpose: runs until `delay` ms pass or the call is cancelled.
    const delay = Number(req.modelId || '0');
    try {
      await sleep(delay, undefined, { signal: ctx.signal });
    } catch {
      aborted.push(ctx.method);
      throw new MnemeError('deadline-exceeded', 'gave up');
    }
    return DescribeServingResponse.fromPartial({ executionProvider: 'cpu', executionProviderReason: `slept ${delay} ms` });
  },
};

describe('gRPC server round trip on 127.0.0.1', () => {
  let server: RunningServer | undefined;
  let logger: ReturnType<typeof memoryLogger>;
  afterEach(async () => {
    await server?.shutdown();
    server = undefined;
  });

  async function start(options: { maxMessageBytes?: number; shutdownGraceMs?: number } = {}) {
    logger = memoryLogger();
    server = await startServer({ services: [defineService(EncoderServiceService, encoder)], logger, ...options });
    const client = createClient(EncoderServiceClient, server.address);
    return { server, client };
  }

  it('serves a generated client and reports health per service', async () => {
    const { server, client } = await start();
    const res = await unary(client.embed.bind(client), {
      model: { modelId: 'm', version: 0 },
      inputs: [{ kind: { $case: 'text', value: 'hello brave world' } }],
      pooling: 0,
      unnormalized: false,
    });
    expect(res.embeddings?.shape).toEqual([1, 2]);
    expect(Array.from(new Float32Array(Uint8Array.from(res.embeddings!.data).buffer))).toEqual([17, 3]);
    const health = healthClient(server.address);
    expect(await health.check('')).toBe('SERVING');
    expect(await health.check('mneme.v1.EncoderService')).toBe('SERVING');
    await expect(health.check('mneme.v1.Nope')).rejects.toMatchObject({ code: 5 });
    health.close();
    client.close();
  });

  it('maps invalid input to INVALID_ARGUMENT with every reason', async () => {
    const { client } = await start();
    const call = unary(client.predict.bind(client), { model: undefined, inputs: [], topK: 0 });
    await expect(call).rejects.toMatchObject({ kind: 'invalid-argument', message: 'top_k must be <= 150; inputs[0] is empty' });
    await expect(
      unary(client.embed.bind(client), { model: { modelId: 'm', version: 0 }, inputs: [], pooling: 0, unnormalized: false }),
    ).rejects.toMatchObject({ kind: 'invalid-argument', cause: expect.objectContaining({ code: 3 }) });
    client.close();
  });

  it('cuts a long status message, which would overflow the trailers and leave the caller waiting for its deadline', async () => {
    const { client } = await start();
    const started = Date.now();
    const call = unary(
      client.embed.bind(client),
      { model: { modelId: `echo:${'ü'.repeat(200_000)}`, version: 0 }, inputs: [], pooling: 0, unnormalized: false },
      { timeoutMs: 5_000 },
    );
    const err = await call.then(
      () => undefined,
      (e: unknown) => e as MnemeError,
    );
    expect(err).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/^model id 'echo:ü+… \(199\d{3} more characters\)$/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    client.close();
  });

  it('sends a status whose message quotes a lone surrogate (grpc-js cannot percent-encode one)', async () => {
    const { client } = await start();
    const started = Date.now();
    // The cut at 1,000 characters also falls between the two halves of a pair here.
    const call = unary(
      client.embed.bind(client),
      { model: { modelId: `echo:\ud800${'x'.repeat(981)}😀😀`, version: 0 }, inputs: [], pooling: 0, unnormalized: false },
      { timeoutMs: 5_000 },
    );
    const err = await call.then(
      () => undefined,
      (e: unknown) => e as MnemeError,
    );
    expect(err).toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/^model id 'echo:\uFFFDx+😀\uFFFD… \(\d+ more characters\)$/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    client.close();
  });

  it('maps an unknown model to NOT_FOUND', async () => {
    const { client } = await start();
    const call = unary(client.embed.bind(client), {
      model: { modelId: 'missing', version: 0 },
      inputs: [],
      pooling: 0,
      unnormalized: false,
    });
    await expect(call).rejects.toMatchObject({ kind: 'not-found', cause: expect.objectContaining({ code: 5 }) });
    client.close();
  });

  it('sends INTERNAL without the cause and logs the cause', async () => {
    const { client } = await start();
    const call = unary(client.embed.bind(client), {
      model: { modelId: 'm', version: 0 },
      inputs: [{ kind: { $case: 'text', value: 'boom' } }],
      pooling: 0,
      unnormalized: false,
    });
    await expect(call).rejects.toMatchObject({ kind: 'internal', message: INTERNAL_DETAILS });
    await expect(call).rejects.not.toMatchObject({ message: expect.stringContaining('hunter2') });
    const logged = logger.lines.find((l) => l.level === 'error');
    expect(JSON.stringify(logged)).toContain('hunter2');
    client.close();
  });

  it('fails a call past its deadline with DEADLINE_EXCEEDED and aborts the handler', async () => {
    const { client } = await start();
    const started = Date.now();
    const call = unary(client.describeServing.bind(client), { modelId: '5000' }, { timeoutMs: 150 });
    await expect(call).rejects.toMatchObject({ kind: 'deadline-exceeded', cause: expect.objectContaining({ code: 4 }) });
    expect(Date.now() - started).toBeLessThan(2_000);
    await sleep(50);
    expect(aborted).toContain('/mneme.v1.EncoderService/DescribeServing');
    client.close();
  });

  it('rejects messages above the size limit with RESOURCE_EXHAUSTED', async () => {
    const { client } = await start({ maxMessageBytes: 1024 });
    const call = unary(client.embed.bind(client), {
      model: { modelId: 'm', version: 0 },
      inputs: [{ kind: { $case: 'text', value: 'x'.repeat(4096) } }],
      pooling: 0,
      unnormalized: false,
    });
    await expect(call).rejects.toMatchObject({ kind: 'resource-exhausted' });
    client.close();
  });

  it('answers INVALID_ARGUMENT, naming the decoder’s reason, to a request whose bytes do not decode', async () => {
    const { server, client } = await start();
    const raw = rawClient(server.address);
    const send = (bytes: Buffer) => raw.call('/mneme.v1.EncoderService/Embed', bytes, 5_000);
    // Field 1 (model) says 100 bytes follow, and two do.
    const truncated = await send(Buffer.from([0x0a, 100, 0x0a, 0x00]));
    expect(truncated).toMatchObject({
      code: 3,
      status: 'INVALID_ARGUMENT',
      details: expect.stringContaining('not a valid /mneme.v1.EncoderService/Embed message'),
    });
    // A wire type that does not exist (7).
    expect(await send(Buffer.from([0x0f]))).toMatchObject({ code: 3 });
    // The service is unharmed, and logged no error for the caller's mistake.
    await expect(
      unary(client.embed.bind(client), {
        model: { modelId: 'm', version: 0 },
        inputs: [{ kind: { $case: 'text', value: 'ok' } }],
        pooling: 0,
        unnormalized: false,
      }),
    ).resolves.toBeDefined();
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    raw.close();
    client.close();
  });

  it('drains in-flight calls on shutdown, then refuses new ones', async () => {
    const { server, client } = await start({ shutdownGraceMs: 5_000 });
    const slow = unary(client.describeServing.bind(client), { modelId: '300' }, { timeoutMs: 5_000 });
    await sleep(50);
    expect(server.inFlight()).toBe(1);
    const stopped = server.shutdown();
    const late = settle(unary(client.describeServing.bind(client), { modelId: '0' }, { timeoutMs: 1_000 }));
    await expect(slow).resolves.toMatchObject({ executionProviderReason: 'slept 300 ms' });
    await stopped;
    expect((await late).error).toMatchObject({ kind: 'unavailable' });
    expect(server.inFlight()).toBe(0);
    client.close();
  });

  it('cancels calls that outlive the grace period', async () => {
    const { server, client } = await start({ shutdownGraceMs: 100 });
    const slow = unary(client.describeServing.bind(client), { modelId: '10000' }, { timeoutMs: 20_000 });
    await sleep(50);
    const outcome = settle(slow);
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await outcome).error).toBeInstanceOf(MnemeError);
    client.close();
  });
});
