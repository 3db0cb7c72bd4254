import { statSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadCcip, type CcipModel } from '../encoders/ccip.js';
import { loadClip, type ClipModel } from '../encoders/clip.js';
import { loadDinov2, type Dinov2Model } from '../encoders/dinov2.js';
import { UserError } from '../errors.js';
import { centroid } from '../encoders/vector.js';
import { writeRunJson, type RunJson } from '../run/run-json.js';
import { writeScoresCsv } from '../run/run-scores.js';
import type { ScoreRow } from '../run/scores-csv.js';
import { storeRunKey } from '../run/store-run.js';
import { hubOrigin } from '../models/hf-cache.js';
import { ModelLock } from '../runtime/model-lock.js';
import {
  CCIP_SCORING_FILES,
  CLIP_SCORING_FILES,
  defaultLockFile,
  DINOV2_SCORING_FILES,
  scoringFilesIn,
  TAGGER_SCORING_FILES,
} from '../runtime/scoring-files.js';
import { cacheSignaturesIn, sessionsCreated, type Device } from '../runtime/session.js';
import { inferenceThreads, preprocessingWorkers } from '../runtime/threads.js';
import type { Resampler } from '../imaging/resize.js';
import type { ThresholdMode } from '../encoders/tag-thresholds.js';
import { FileHashCache, filesHashed } from '../store/file-hash-cache.js';
import { Store } from '../store/store.js';
import { loadSweep } from '../sweep/load.js';
import type { LoadedSweep } from '../sweep/types.js';
import { TOOL_VERSION, gitSha } from '../version.js';
import { DETAIL_MODEL, detailEncoder } from './detail-encoder.js';
import { computeMetrics } from './compute-metrics.js';
import { medianStyleAxisLength } from './style-axis.js';
import { encodeImages, type ImageFile } from './encode-images.js';
import { encodeTexts } from './encode-texts.js';
import { strictStop, type Failure } from './failures.js';
import { asImageEncoder, type ImageEncoder } from './image-encoder.js';
import { silentProgress, type Progress } from './progress.js';
import { scoringText } from './scoring-text.js';
import { inShard, type Shard } from './shard.js';
import { refuseIdenticalImages } from './identical-images.js';
import { loadTaggerScoring, type TaggerScoring } from './tagger-scoring.js';
import { detailTagsIn } from '../../metrics/detail_tags.js';

export interface ScoreOptions {
  /** Path of sweep.yaml. */
  sweep: string;
  /** CLIP model folder (Hugging Face export layout). */
  clip: string;
  /** Optional WD14 tagger folder (model.onnx + selected_tags.csv). */
  tagger?: string;
  /** Optional DINOv2 folder (onnx/model.onnx + preprocessor_config.json): concept_similarity with its CLS embedding. */
  encoder?: string;
  /** Optional CCIP folder (deepghs/ccip_onnx layout): character_similarity and character_match. */
  ccip?: string;
  /** Output folder; default reports/<sweep name>. */
  out?: string;
  /** SQLite store; default <out>/store.sqlite. */
  store?: string;
  /** models.lock.json; default models.lock.json beside the CLIP model folder (see defaultLockFile). */
  lock?: string;
  /** Re-pin model files whose sha256 changed instead of refusing them. */
  relock?: boolean;
  device?: Device;
  /** onnxruntime intra-op threads per model (default: every core on the CPU, onnxruntime's choice with CUDA). */
  threads?: number;
  /** CLIP file variant, e.g. "quantized". */
  variant?: string;
  batchSize?: number;
  /** Resize engine: 'fast' (default) or 'exact' (bit-identical to PIL). */
  resampler?: Resampler;
  /** Tagger detection: category thresholds (default) or MCut per image. */
  tagThresholds?: ThresholdMode;
  strict?: boolean;
  /** Largest width × height of an image that is decoded; larger ones fail (default 50 megapixels). */
  maxPixels?: number;
  shard?: Shard;
  progress?: Progress;
}

export interface ScoreResult {
  outDir: string;
  scoresCsv: string;
  runJson: string;
  rows: ScoreRow[];
  failures: Failure[];
  images: { total: number; scored: number; encoded: number; cached: number };
  /** 0 when every image was scored, 1 when anything failed. */
  exitCode: number;
}

async function pinModelFiles(files: string[], lock: ModelLock, relock: boolean, hashes: FileHashCache): Promise<Record<string, string>> {
  const shas: Record<string, string> = {};
  for (const file of [...new Set(files)]) {
    const sha = await hashes.sha256(file);
    if (relock) lock.forget(file);
    lock.verify(file, sha, statSync(file).size);
    shas[file] = sha;
  }
  lock.save();
  return shas;
}

function clipEncoder(clip: ClipModel, modelSha: string): ImageEncoder {
  return asImageEncoder('clip', clip, clip.maxImageBatch, (batch) => clip.encodeImages(batch), modelSha);
}

/**
 * Scores every image of a sweep: decodes each image once, runs the CLIP (and optionally tagger) encoders with a
 * cache in SQLite, computes the registered metrics against the weight-0 image of the same key and the reference
 * images, and writes scores.csv and run.json. Failures are recorded with file and reason; the run goes on.
 */
export async function scoreSweep(options: ScoreOptions): Promise<ScoreResult> {
  const started = Date.now();
  const progress = options.progress ?? silentProgress;
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = Math.round(Date.now() - since));

  let t = Date.now();
  const loaded: LoadedSweep = loadSweep(options.sweep);
  lap('load_sweep_ms', t);
  const sweep = loaded.sweep;
  const gitCommits = Promise.all([gitSha(dirname(new URL(import.meta.url).pathname)), gitSha(dirname(loaded.file))]);
  const outDir = resolve(options.out ?? join('reports', sweep.name));
  mkdirSync(outDir, { recursive: true });
  const failures: Failure[] = loaded.missing.map((m) => ({ file: m.image.path, image: m.image.key, stage: 'missing' as const, reason: m.reason }));
  if (options.strict && failures.length) throw strictStop(failures[0]);

  const images = options.shard ? loaded.images.filter((i) => inShard(i.key, options.shard!)) : loaded.images;
  // A shard scores its own images but needs the weight-0 images they are compared with.
  const neededNatives = options.shard ? loaded.images.filter((n) => n.native && !images.includes(n)) : [];

  t = Date.now();
  const lockFile = resolve(options.lock ?? defaultLockFile(resolve(options.clip)));
  const lock = new ModelLock(lockFile);
  const work = { sessions: sessionsCreated(), hashed: filesHashed() };
  // Beside the lock: the sha256 of unchanged model and image files and the signatures of known models, so that a
  // re-run reads only what changed and opens a model only when something must be encoded.
  const hashes = new FileHashCache(lockFile.replace(/(\.json)?$/, '.hash-cache.json'));
  cacheSignaturesIn(hashes);
  const threads = inferenceThreads(options.device ?? 'cpu', options.threads);
  const clip = await loadClip(resolve(options.clip), { device: options.device, threads, variant: options.variant, resampler: options.resampler });
  const tagger: TaggerScoring | undefined = options.tagger
    ? await loadTaggerScoring(resolve(options.tagger), {
        device: options.device,
        threads,
        lora: sweep.lora,
        prompts: sweep.prompts,
        resampler: options.resampler,
        thresholds: { mode: options.tagThresholds ?? 'threshold' },
      })
    : undefined;
  const encoder: Dinov2Model | undefined = options.encoder
    ? await loadDinov2(resolve(options.encoder), { device: options.device, threads, resampler: options.resampler })
    : undefined;
  const ccip: CcipModel | undefined = options.ccip
    ? await loadCcip(resolve(options.ccip), { device: options.device, threads, resampler: options.resampler })
    : undefined;
  // Rows are told apart by their model column only.
  if (encoder && encoder.id === clip.id)
    throw new UserError(
      `--encoder ${options.encoder}: its model id "${encoder.id}" is the CLIP model's; their concept_similarity rows could not be told apart`,
    );
  const modelFiles = [
    clip.imageFile,
    clip.textFile,
    ...(tagger ? [tagger.modelFile] : []),
    ...(encoder ? [encoder.modelFile] : []),
    ...(ccip ? [ccip.featureFile, ccip.metricsFile] : []),
  ];
  const scoringFiles = [
    ...scoringFilesIn(resolve(options.clip), CLIP_SCORING_FILES),
    ...(options.tagger ? scoringFilesIn(resolve(options.tagger), TAGGER_SCORING_FILES) : []),
    ...(encoder ? scoringFilesIn(encoder.dir, DINOV2_SCORING_FILES) : []),
    ...(ccip ? scoringFilesIn(ccip.dir, CCIP_SCORING_FILES) : []),
  ];
  const modelShas = await pinModelFiles([...modelFiles, ...scoringFiles], lock, options.relock ?? false, hashes);
  lap('load_models_ms', t);
  progress.info(
    `models: ${clip.id} (${clip.layout}${options.variant ? `, ${options.variant}` : ''})${tagger ? `, ${tagger.encoder(modelShas[tagger.modelFile]).model}` : ''}` +
      `${encoder ? `, ${encoder.id}` : ''}${ccip ? `, ${ccip.id} (threshold ${ccip.threshold})` : ''}`,
  );

  const store = new Store(resolve(options.store ?? join(outDir, 'store.sqlite')));
  try {
    const encoders: ImageEncoder[] = [clipEncoder(clip, modelShas[clip.imageFile])];
    if (tagger) encoders.push(tagger.encoder(modelShas[tagger.modelFile]));
    encoders.push(detailEncoder(options.resampler));
    if (encoder) encoders.push(asImageEncoder('dinov2', encoder, encoder.maxBatch, (batch) => encoder.encode(batch), modelShas[encoder.modelFile]));
    if (ccip) encoders.push(asImageEncoder('ccip', ccip, ccip.maxBatch, (batch) => ccip.encode(batch), modelShas[ccip.featureFile]));

    const files: ImageFile[] = [
      ...[...images, ...neededNatives].map((i) => ({ path: i.path, key: i.key })),
      ...[...new Set([...loaded.references, ...loaded.styleReferences])].map((path) => ({ path })),
    ];
    const texts = new Map(sweep.prompts.map((p) => [p.id, scoringText(p, sweep.lora)]));
    let promptsEncoded: Promise<Map<string, Float32Array>> | undefined;
    const encodePrompts = () =>
      (promptsEncoded ??= (async () => {
        const started = Date.now();
        const vectors = await encodeTexts(clip, modelShas[clip.textFile], [...texts.values()], store);
        lap('encode_texts_ms', started);
        return vectors;
      })());
    t = Date.now();
    // The prompts are encoded while the workers decode the first images (encode_images_ms includes that time).
    const encoded = await encodeImages(files, encoders, store, progress, {
      batchSize: options.batchSize,
      strict: options.strict,
      maxPixels: options.maxPixels,
      hashes,
      workers: preprocessingWorkers(options.device ?? 'cpu', threads),
      whilePreparing: async () => void (await encodePrompts()),
    });
    lap('encode_images_ms', t);
    const textVectors = await encodePrompts();
    failures.push(...encoded.failures);
    refuseIdenticalImages([...images, ...neededNatives], encoded.shas, loaded.root);

    const clipVectors = encoded.vectors.get(clip.id)!;
    const taggerVectors = tagger ? encoded.vectors.get(tagger.model) : undefined;
    const vectorOf = (image: { path: string } | undefined, model: Map<string, Float32Array> | undefined) => {
      const sha = image && encoded.shas.get(image.path);
      return sha && model ? model.get(sha) : undefined;
    };
    const encodedRefs = (paths: string[], model = clipVectors) =>
      paths.map((path) => vectorOf({ path }, model)).filter((v): v is Float32Array => v !== undefined);
    const references = encodedRefs(loaded.references);
    const styleRefs = encodedRefs(loaded.styleReferences);
    const styleCentroid = styleRefs.length ? centroid(styleRefs) : undefined;
    const encoderVectors = encoder ? encoded.vectors.get(encoder.id) : undefined;
    const encoderRefs = encoderVectors ? encodedRefs(loaded.references, encoderVectors) : [];

    t = Date.now();
    const detailValues = encoded.vectors.get(DETAIL_MODEL)!;
    const ccipDifferences = ccip ? await characterDifferences(ccip, images, encoded.shas, encoded.vectors.get(ccip.id)!, loaded.references) : undefined;
    if (ccip) lap('ccip_differences_ms', t);

    t = Date.now();
    const models = { clip: clip.id, tagger: tagger?.model, encoder: encoder?.id, ccip: ccip?.id, pixels: DETAIL_MODEL };
    const { rows, unavailable, scored } = computeMetrics(
      loaded,
      images,
      models,
      (image, native) => {
        const sha = encoded.shas.get(image.path);
        const vector = vectorOf(image, clipVectors);
        if (!sha || !vector) return undefined;
        return {
          sha,
          clip: { image: vector, native: vectorOf(native, clipVectors), promptText: textVectors.get(texts.get(image.prompt)!)!, references, styleCentroid },
          tagger: tagger?.inputsFor(vectorOf(image, taggerVectors), vectorOf(native, taggerVectors)),
          pixels: { detail: vectorOf(image, detailValues)?.[0] },
          encoder: encoderVectors && embeddingInputs(vectorOf(image, encoderVectors), vectorOf(native, encoderVectors), encoderRefs),
          ccip: ccip && ccipDifferences?.has(sha) ? { differences: ccipDifferences.get(sha)!, threshold: ccip.threshold } : undefined,
        };
      },
      medianStyleAxisLength(loaded, (native) => vectorOf(native, clipVectors), styleCentroid),
    );
    lap('metrics_ms', t);
    for (const [reason, count] of unavailable) progress.warn(`${count} image(s) without ${reason}`);

    // scores.csv, then the store, then run.json (which records scores.csv's sha256): a run cut short anywhere, e.g.
    // by a full disk, leaves the previous run's files whole, or a scores.csv that its run.json refuses.
    t = Date.now();
    const scoresRecord = writeScoresCsv(outDir, rows, loaded.factorNames);
    lap('write_scores_ms', t);
    const scoresCsv = join(outDir, scoresRecord.file);
    const storeRun = storeRunKey({ outDir, shard: options.shard ?? null });
    t = Date.now();
    store.replaceImages(
      storeRun,
      images
        .filter((i) => encoded.shas.has(i.path))
        .map((i) => ({ key: i.key, sha256: encoded.shas.get(i.path)!, levels: i.levels, prompt: i.prompt, seed: i.seed, weight: i.weight, native: i.native })),
    );
    store.replaceScores(storeRun, rows);
    lap('store_run_ms', t);

    timings.total_ms = Date.now() - started;
    hashes.save();
    const [toolCommit, sweepCommit] = await gitCommits;
    const run: RunJson = {
      tool: { name: 'lora-eval', version: TOOL_VERSION, git: toolCommit },
      created: new Date().toISOString(),
      sweep: {
        file: loaded.file,
        root: loaded.root,
        name: sweep.name,
        sha256: loaded.sha256,
        git: sweepCommit,
        factors: loaded.factorNames,
        lora_factors: loaded.loraFactors,
        // check pairs images by prompt id; the texts let it refuse an id whose prompt changed.
        prompt_texts: Object.fromEntries(sweep.prompts.map((p) => [p.id, p.text])),
        // analyze --choose averages the concept metric over the concept prompts only; scores.csv does not say which they are.
        prompt_kinds: Object.fromEntries(sweep.prompts.map((p) => [p.id, p.kind])),
        ...(sweep.models ? { models: sweep.models } : {}),
        ...(sweep.costs ? { costs: sweep.costs } : {}),
      },
      models: modelFiles.filter((f, i) => modelFiles.indexOf(f) === i).map((f) => ({ file: f, sha256: modelShas[f], ...hubOrigin(f) })),
      model_files: scoringFiles.map((f) => ({ file: f, sha256: modelShas[f] })),
      clip: {
        id: clip.id,
        layout: clip.layout,
        variant: options.variant ?? null,
        context_length: clip.contextLength,
        preprocessing: clip.preprocessor.hash,
        image_model_sha256: modelShas[clip.imageFile],
      },
      tagger: tagger
        ? {
            id: tagger.model,
            preprocessing: tagger.encoder(modelShas[tagger.modelFile]).prepHash,
            detail_tags: detailTagsIn(tagger.tagger.tags).map((t) => t.name),
          }
        : null,
      encoder: encoder
        ? {
            id: encoder.id,
            embedding: 'last_hidden_state[:, 0, :] (CLS)',
            preprocessing: encoder.preprocessor.hash,
            image_model_sha256: modelShas[encoder.modelFile],
          }
        : null,
      ccip: ccip
        ? {
            id: ccip.id,
            threshold: ccip.threshold,
            preprocessing: ccip.preprocessor.hash,
            feature_model_sha256: modelShas[ccip.featureFile],
            metrics_model_sha256: modelShas[ccip.metricsFile],
          }
        : null,
      options: {
        device: options.device ?? 'cpu',
        threads: threads ?? null,
        resampler: options.resampler ?? 'fast',
        tag_thresholds: options.tagThresholds ?? 'threshold',
        batch_size: options.batchSize ?? null,
        shard: options.shard ?? null,
        strict: options.strict ?? false,
      },
      store: store.file,
      store_run: storeRun,
      hash_cache: hashes.file,
      scores: scoresRecord,
      references: loaded.references.filter((p) => encoded.shas.has(p)).map((p) => ({ file: p, sha256: encoded.shas.get(p)! })),
      style_references: loaded.styleReferences.filter((p) => encoded.shas.has(p)).map((p) => ({ file: p, sha256: encoded.shas.get(p)! })),
      natives: [...images, ...neededNatives]
        .filter((i) => i.native && encoded.shas.has(i.path))
        .map((i) => ({ image: i.key, file: i.path, sha256: encoded.shas.get(i.path)! })),
      counts: {
        images: images.length,
        scored,
        encoded: encoded.computed,
        cached: encoded.cached,
        references: references.length,
        ...(encoder ? { encoder_references: encoderRefs.length } : {}),
        style_references: styleRefs.length,
        rows: rows.length,
        failures: failures.length,
      },
      timings,
      work: { sessions_created: sessionsCreated() - work.sessions, files_hashed: filesHashed() - work.hashed },
      unavailable: Object.fromEntries(unavailable),
      failures,
    };
    store.setMeta(`run:${storeRun}`, {
      sweep: loaded.file,
      factors: loaded.factorNames,
      lora_factors: loaded.loraFactors,
      clip: clip.id,
      tagger: tagger?.model ?? null,
      encoder: encoder?.id ?? null,
      ccip: ccip?.id ?? null,
    });
    const runJson = writeRunJson(outDir, run);
    return {
      outDir,
      scoresCsv,
      runJson,
      rows,
      failures,
      images: { total: images.length + loaded.missing.length, scored, encoded: encoded.computed, cached: encoded.cached },
      exitCode: failures.length > 0 ? 1 : 0,
    };
  } finally {
    store.close();
    cacheSignaturesIn(undefined);
    await clip.release();
    await tagger?.release();
    await encoder?.release();
    await ccip?.release();
  }
}

function embeddingInputs(image: Float32Array | undefined, native: Float32Array | undefined, references: Float32Array[]) {
  return image ? { image, native, references } : undefined;
}

/** CCIP difference of every scored image (by content sha256) to each reference image whose features were computed. */
async function characterDifferences(
  ccip: CcipModel,
  images: { path: string }[],
  shas: Map<string, string>,
  features: Map<string, Float32Array>,
  referencePaths: string[],
): Promise<Map<string, Float64Array>> {
  const featureOf = (path: string) => {
    const sha = shas.get(path);
    return sha ? features.get(sha) : undefined;
  };
  const references = referencePaths.map(featureOf).filter((f): f is Float32Array => f !== undefined);
  const wanted = [...new Set(images.map((i) => shas.get(i.path)).filter((sha): sha is string => sha !== undefined && features.has(sha)))];
  const result = new Map<string, Float64Array>();
  if (references.length === 0) {
    for (const sha of wanted) result.set(sha, new Float64Array(0));
    return result;
  }
  const differences = await ccip.differences(
    wanted.map((sha) => features.get(sha)!),
    references,
  );
  wanted.forEach((sha, i) => result.set(sha, differences[i]));
  return result;
}
