/** What a rater is asked, and which metric measures the same thing (the one pairs are chosen by). */
export interface RatingTask {
  question: string;
  /** Metrics that measure what the question asks, in order of preference for choosing pairs. */
  metrics: string[];
  /** Prompt kinds the question makes sense for; undefined: every prompt. */
  promptKinds?: string[];
}

export const TASKS = {
  style: { question: 'Which keeps the training style more?', metrics: ['style_retention'] },
  concept: { question: 'Which shows the character?', metrics: ['concept_probability', 'concept_detection'], promptKinds: ['concept'] },
  prompt: { question: 'Which follows the prompt?', metrics: ['prompt_fidelity'] },
} as const satisfies Record<string, RatingTask>;

export type TaskName = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as string[]).includes(name);
}
