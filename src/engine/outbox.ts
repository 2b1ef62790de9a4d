/** Where export files go. A local folder in production here; S3 would be another implementation. */
export interface Outbox {
  /** Writes the whole file or nothing (temp + rename); writing the same name again replaces it atomically. */
  write(fileName: string, content: string): Promise<void>;
  read(fileName: string): Promise<string | null>;
  list(): Promise<string[]>;
}
