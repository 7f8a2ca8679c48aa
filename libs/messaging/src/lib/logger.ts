/** The slice of a logger the messaging code needs; Nest's Logger and the JSON logger both fit. */
export interface MessagingLogger {
  log(message: string, context?: string): void;
  warn(message: string, context?: string): void;
  error(message: string, context?: string): void;
}

export const silentLogger: MessagingLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
