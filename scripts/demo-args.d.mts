export declare const demoScoreArgs: (out: string) => string[];
export declare const demoBaselineDir: string;
export declare const demoTolerance: string[];
