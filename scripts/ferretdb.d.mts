export declare const FERRETDB_VERSION: string;
export declare function ensureFerretDb(): Promise<{ uri: string; description: string }>;
export declare function stopFerretDb(): boolean;
export declare function identify(uri: string, timeoutMs?: number): Promise<{ version: string } | { other: string } | null>;
export declare function startFerretDb(port: number): Promise<{ uri: string; description: string; pid: number; stop(signal?: NodeJS.Signals): void }>;
