/** A subcommand of `holdfast`. Each lives in its own file under commands/ and is listed in registry.ts. */
export interface Command {
  /** The words that select it, e.g. ['gen', 'k8s']. */
  path: string[];
  /** One line for `holdfast --help`. */
  summary: string;
  /** Full usage text for `holdfast <path> --help`. */
  usage: string;
  /** Runs with the arguments after the path; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
