// What a benchmark started (supervisors, load generators, peers), undone in reverse order at the
// end or on Ctrl-C; one failing step does not stop the others.
export class Cleanups {
  readonly #steps: (() => unknown)[] = [];

  push(...steps: (() => unknown)[]): void {
    this.#steps.push(...steps);
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch {}
    }
  }
}
