/** Programmatic API of lora-eval. */
export { scoreSweep, type ScoreOptions, type ScoreResult } from './score/score-sweep.js';
export { loadSweep } from './sweep/load.js';
export { SweepSchema, type Sweep } from './sweep/schema.js';
export { SweepError, type LoadedSweep, type SweepImage } from './sweep/types.js';
export { compareSeeds, isSafeSeed, parseSeed, SeedError, type Seed } from './sweep/seed.js';
export { loadClip, type ClipModel } from './encoders/clip.js';
export { loadTagger, readSelectedTags, type TaggerModel } from './encoders/tagger.js';
export { loadDinov2, type Dinov2Model } from './encoders/dinov2.js';
export { loadCcip, type CcipModel } from './encoders/ccip.js';
export { ClipTokenizer } from './encoders/tokenizer.js';
export { ModelLoadError } from './runtime/errors.js';
export { readScoresCsv, formatScoresCsv, type ScoreRow } from './report/scores-csv.js';
export { metricRegistry, metricFor } from '../metrics/registry.js';
export { analyze, type AnalyzeOptions, type AnalyzeResult } from './analysis/analyze.js';
export { loadExperiment, ExperimentError } from './train/load-experiment.js';
export { planExperiment, writePlan } from './train/plan.js';
export { ingestFolder, readImageMetadata, sliceGrid, parseInfotext, readSafetensorsHeader } from './ingest/index.js';
