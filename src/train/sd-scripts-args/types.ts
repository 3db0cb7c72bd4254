/** How an argparse argument of sd-scripts takes its value, as far as a TOML config or a command line can give it. */
export type ArgKind =
  | 'flag' // action="store_true"
  | 'int'
  | 'float'
  | 'str'
  | 'int_or_float' // sd-scripts' int_or_float type: an int is a step count, a float below 1 a ratio
  | 'str*' // nargs="*"
  | 'int*'
  | 'float*';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  /** argparse `choices`, when the argument has them. */
  choices?: readonly string[];
  /** The function or file that adds the argument, for messages. */
  source: string;
}

/** Types the voluptuous schema of sd-scripts' dataset config (library/config_util.py) accepts. */
export type DatasetKeyType =
  | 'bool'
  | 'int'
  | 'float' // voluptuous `float`: an integer is rejected, so whole numbers must be written as 1.0
  | 'number' // Any(float, int)
  | 'str'
  | 'int_or_pair' // resolution: int or [int, int]
  | 'float_pair'
  | 'table';

export type DatasetScope = 'general' | 'dataset' | 'subset';

/** Options gen_img.py reads from each line of a --from_file prompt file (" --x value"). */
export type PromptOptionKind = 'int' | 'int_list' | 'float' | 'float_list' | 'float_or_none' | 'text';

/** The committed argument lists of one pinned sd-scripts commit. */
export interface SdScriptsVersion {
  repository: string;
  commit: string;
  /** Where each list was read: file, the commit of the copy read, and what was taken from it. */
  sources: readonly { file: string; commit: string; read: string }[];
  trainNetwork: ReadonlyMap<string, ArgSpec>;
  genImg: ReadonlyMap<string, ArgSpec>;
  genImgPromptOptions: ReadonlyMap<string, PromptOptionKind>;
  datasetConfig: Readonly<Record<DatasetScope, ReadonlyMap<string, DatasetKeyType>>>;
  /** requirements.txt at the commit, comments and blank lines removed, in file order. */
  requirements: readonly string[];
}
