/**
 * X/Y/Z plot axes as A1111's scripts/xyz_grid.py writes them into a grid's infotext
 * ("X Type: CFG Scale, X Values: \"5, 7-9\"") and how each axis value changes one cell's settings.
 */
import type { Infotext } from './infotext.js';
import { modelStem, setLoraWeight } from './lora-tags.js';

/** Axis types whose values are integers / floats in xyz_grid.py (ranges are expanded for these). */
const INT_AXES = new Set(['Seed', 'Var. seed', 'Steps', 'Hires steps', 'Clip skip', 'UniPC Order']);
const FLOAT_AXES = new Set([
  'Var. strength',
  'CFG Scale',
  'Image CFG Scale',
  'Negative Guidance minimum sigma',
  'Sigma Churn',
  'Sigma min',
  'Sigma max',
  'Sigma noise',
  'Schedule min sigma',
  'Schedule max sigma',
  'Schedule rho',
  'Eta',
  'Denoising',
  'Initial noise multiplier',
  'Extra noise',
  'Token merging ratio',
  'Token merging ratio high-res',
  'Refiner switch at',
]);

/** Friendly axis names accepted on the command line, mapped to A1111's labels or to `LoRA weight`. */
const AXIS_ALIASES: Record<string, string> = {
  seed: 'Seed',
  target: 'Checkpoint name',
  checkpoint: 'Checkpoint name',
  model: 'Checkpoint name',
  weight: 'LoRA weight',
  'lora weight': 'LoRA weight',
  steps: 'Steps',
  cfg: 'CFG Scale',
  'cfg scale': 'CFG Scale',
  'clip skip': 'Clip skip',
  clip_skip: 'Clip skip',
  sampler: 'Sampler',
  prompt: 'Prompt S/R',
  'prompt s/r': 'Prompt S/R',
  nothing: 'Nothing',
};

export function canonicalAxisType(type: string): string {
  const t = type.trim();
  return AXIS_ALIASES[t.toLowerCase()] ?? t;
}

export function axisValueKind(type: string): 'int' | 'float' | 'text' {
  if (INT_AXES.has(type)) return 'int';
  if (FLOAT_AXES.has(type) || type === 'LoRA weight' || /^AddNet Weight/.test(type)) return 'float';
  return 'text';
}

/** Python's csv.reader on one line (quote char ", doubled quotes escape), each field stripped. */
export function splitCsvLine(text: string): string[] {
  const fields: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    let field = '';
    let inQuotes = false;
    let i = 0;
    while (i < line.length) {
      const c = line[i];
      if (inQuotes) {
        if (c === '"' && line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (c === '"') inQuotes = false;
        else field += c;
      } else if (c === '"' && field === '') {
        inQuotes = true;
      } else if (c === ',') {
        fields.push(field);
        field = '';
      } else {
        field += c;
      }
      i++;
    }
    fields.push(field);
  }
  return fields.map((f) => f.trim());
}

const RANGE_INT = /^\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\(([+-]\d+)\s*\))?\s*$/;
const RANGE_INT_COUNT = /^\s*([+-]?\s*\d+)\s*-\s*([+-]?\s*\d+)(?:\s*\[(\d+)\s*])?\s*$/;
const RANGE_FLOAT = /^\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\(([+-]\d+(?:.\d*)?)\s*\))?\s*$/;
const RANGE_FLOAT_COUNT = /^\s*([+-]?\s*\d+(?:.\d*)?)\s*-\s*([+-]?\s*\d+(?:.\d*)?)(?:\s*\[(\d+(?:.\d*)?)\s*])?\s*$/;

const num = (s: string) => Number(s.replace(/\s+/g, ''));

function linspace(start: number, stop: number, count: number): number[] {
  if (count <= 1) return count === 1 ? [start] : [];
  return Array.from({ length: count }, (_, i) => start + ((stop - start) * i) / (count - 1));
}

/** Rounds away binary noise from ranges (0.1 + 0.2), as the 8-digit rounding of A1111's labels does. */
function tidy(x: number): number {
  return Number(x.toFixed(8));
}

/**
 * Expands an axis's value text into its values, as xyz_grid.py's process_axis does:
 * CSV fields; for integer axes "1-5", "1-9 (+2)", "1-10 [4]"; for float axes "0-1 (+0.25)", "0-1 [5]".
 */
export function expandAxisValues(type: string, text: string): (string | number)[] {
  const kind = axisValueKind(type);
  const fields = splitCsvLine(text);
  const out: (string | number)[] = [];
  for (const field of fields) {
    if (kind === 'text') {
      out.push(field);
      continue;
    }
    const step = (kind === 'int' ? RANGE_INT : RANGE_FLOAT).exec(field);
    const count = (kind === 'int' ? RANGE_INT_COUNT : RANGE_FLOAT_COUNT).exec(field);
    if (step) {
      const start = num(step[1]);
      const end = num(step[2]);
      const by = step[3] !== undefined ? num(step[3]) : 1;
      if (by === 0) throw new Error(`${type} range "${field}" has a zero step`);
      if (kind === 'int') {
        for (let v = start; by > 0 ? v < end + 1 : v > end + 1; v += by) out.push(v);
      } else {
        // numpy.arange(start, end + step, step)
        const n = Math.max(0, Math.ceil((end + by - start) / by));
        for (let i = 0; i < n; i++) out.push(tidy(start + i * by));
      }
    } else if (count) {
      const values = linspace(num(count[1]), num(count[2]), count[3] !== undefined ? Math.trunc(num(count[3])) : 1);
      out.push(...values.map((v) => (kind === 'int' ? Math.trunc(v) : tidy(v))));
    } else {
      const v = Number(field);
      if (field === '' || !Number.isFinite(v)) throw new Error(`${type} value "${field}" is not a number`);
      if (kind === 'int' && !Number.isInteger(v)) throw new Error(`${type} value "${field}" is not an integer`);
      out.push(v);
    }
  }
  return out;
}

export interface GridAxis {
  /** A1111 axis label ("Seed", "Checkpoint name", "Prompt S/R", …) or "LoRA weight". */
  type: string;
  values: (string | number)[];
}

/** Reads the X, Y and Z axes from a grid's infotext ("Fixed X Values" wins for seeds made from -1). */
export function axesFromInfotext(info: Infotext): { x?: GridAxis; y?: GridAxis; z?: GridAxis } {
  const axes: { x?: GridAxis; y?: GridAxis; z?: GridAxis } = {};
  for (const axis of ['X', 'Y', 'Z'] as const) {
    const type = info.params[`${axis} Type`];
    const values = info.params[`Fixed ${axis} Values`] ?? info.params[`${axis} Values`];
    if (!type || type === 'Nothing' || values === undefined) continue;
    axes[axis.toLowerCase() as 'x' | 'y' | 'z'] = { type, values: expandAxisValues(type, values) };
  }
  return axes;
}

/** The label A1111 draws for a value (format_value_add_label unless the axis shows bare values). */
export function axisLabel(axis: GridAxis, value: string | number): string {
  if (axis.type === 'Nothing') return '';
  if (['Prompt S/R', 'Sampler', 'Face restore'].includes(axis.type)) return String(value);
  if (axis.type === 'Checkpoint name' || axis.type === 'Refiner checkpoint') return String(value).split(/[\\/]/).pop()!;
  return `${axis.type}: ${value}`;
}

/** "anything-v4.5.safetensors [6e430eb514]" → { name: "anything-v4.5", hash: "6e430eb514" }. */
export function checkpointFromTitle(title: string): { name: string; hash?: string } {
  const m = /^(.*?)\s*\[([0-9a-fA-F]{8,64})\]\s*$/.exec(title);
  return { name: modelStem(m ? m[1] : title), hash: m?.[2] };
}

/** Grid-wide parameters that do not belong in a cell's infotext. */
const GRID_ONLY_PARAMS = /^(Script|[XYZ] Type|[XYZ] Values|Fixed [XYZ] Values)$/;

/**
 * The infotext of one cell: the grid's infotext with this cell's axis values applied.
 * `loraName` is needed only for "LoRA weight" axes on prompts that carry no LoRA tag.
 */
export function cellInfotext(grid: Infotext, axes: { axis: GridAxis; value: string | number }[], loraName?: string): Infotext {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(grid.params)) if (!GRID_ONLY_PARAMS.test(k)) params[k] = v;
  let prompt = grid.prompt;
  let negativePrompt = grid.negativePrompt;
  for (const { axis, value } of axes) {
    const v = String(value);
    switch (axis.type) {
      case 'Nothing':
        break;
      case 'Seed':
        params.Seed = v;
        break;
      case 'Steps':
        params.Steps = v;
        break;
      case 'CFG Scale':
        params['CFG scale'] = v;
        break;
      case 'Clip skip':
        params['Clip skip'] = v;
        break;
      case 'Sampler':
        params.Sampler = v;
        break;
      case 'Checkpoint name': {
        const { name, hash } = checkpointFromTitle(v);
        params.Model = name;
        if (hash) params['Model hash'] = hash;
        else delete params['Model hash'];
        break;
      }
      case 'Prompt S/R': {
        const search = String(axis.values[0]);
        prompt = prompt.split(search).join(v);
        negativePrompt = negativePrompt.split(search).join(v);
        break;
      }
      case 'LoRA weight': {
        if (!loraName && !/<(lora|lyco):/i.test(prompt)) throw new Error('a LoRA weight axis needs the LoRA name (--lora) when the prompt has no <lora:…> tag');
        const name = loraName ?? /<(?:lora|lyco):([^:>]+)/i.exec(prompt)![1];
        prompt = setLoraWeight(prompt, name, Number(value));
        break;
      }
      default: {
        // sd-webui-additional-networks: "AddNet Weight 1" sets both the UNet (A) and text-encoder (B) weights.
        const addnetWeight = /^AddNet Weight (\d+)$/.exec(axis.type);
        if (addnetWeight) {
          params[`AddNet Weight A ${addnetWeight[1]}`] = v;
          params[`AddNet Weight B ${addnetWeight[1]}`] = v;
        } else {
          params[axis.type] = v;
        }
      }
    }
  }
  return { prompt, negativePrompt, params, hasNegativePrompt: grid.hasNegativePrompt };
}
