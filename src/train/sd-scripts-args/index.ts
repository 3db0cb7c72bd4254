import { KOHYA_6EDBE005 } from './kohya-6edbe005.js';
import type { SdScriptsVersion } from './types.js';

export type { ArgKind, ArgSpec, DatasetKeyType, DatasetScope, PromptOptionKind, SdScriptsVersion } from './types.js';

/** sd-scripts commits whose arguments are committed here; `plan` only writes arguments it can check. */
export const SD_SCRIPTS_VERSIONS: readonly SdScriptsVersion[] = [KOHYA_6EDBE005];

export function sdScriptsVersion(commit: string): SdScriptsVersion | undefined {
  return SD_SCRIPTS_VERSIONS.find((v) => v.commit === commit.toLowerCase());
}
