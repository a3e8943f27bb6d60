// The CLI's exit codes and output streams, in a module with no imports: main.ts needs them before any command (or
// the YAML reader) is loaded. io.ts and shared.ts re-export them for the commands.
export const EXIT = { ok: 0, failed: 1, badInput: 2, gaps: 3 } as const;

export interface Streams {
  out: (s: string) => void;
  err: (s: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  errIsTTY?: boolean;
}

export const stdStreams: Streams = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  errIsTTY: !!process.stderr.isTTY,
};
