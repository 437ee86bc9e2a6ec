// Drain (He et al., ICWS 2017), written from the paper for bench:insight as the peer measured in
// the same run: there is no maintained Drain port on npm. Settings are Drain3's defaults (depth 4,
// similarity threshold 0.4, 100 children per node, tokens with digits routed to <*>), with no
// per-dataset regular expressions: the same footing as holdfast's miner, which has none either.
// (logpai's published Drain figures use per-dataset regexes and thresholds; they are shown beside.)

const WILD = '<*>';
const hasDigit = (s: string) => /\d/.test(s);

interface Cluster {
  id: number;
  tokens: string[];
}

interface Node {
  children: Map<string, Node>;
  clusters: Cluster[];
}

export class Drain {
  readonly #root = new Map<number, Node>();
  readonly #clusters: Cluster[] = [];
  readonly #depth: number;
  readonly #sim: number;
  readonly #maxChildren: number;

  constructor(options: { depth?: number; sim?: number; maxChildren?: number } = {}) {
    this.#depth = (options.depth ?? 4) - 2;
    this.#sim = options.sim ?? 0.4;
    this.#maxChildren = options.maxChildren ?? 100;
  }

  /** Adds a message; returns its cluster's id. */
  add(message: string): number {
    const tokens = message
      .trim()
      .split(/\s+/)
      .filter((t) => t !== '');
    const leaf = this.#leaf(tokens);
    const match = this.#fastMatch(leaf.clusters, tokens);
    if (match) {
      for (let i = 0; i < tokens.length; i++) if (match.tokens[i] !== tokens[i]) match.tokens[i] = WILD;
      return match.id;
    }
    const c = { id: this.#clusters.length, tokens: tokens.slice() };
    this.#clusters.push(c);
    leaf.clusters.push(c);
    return c.id;
  }

  template(id: number): string {
    return this.#clusters[id]!.tokens.join(' ');
  }

  get size(): number {
    return this.#clusters.length;
  }

  #leaf(tokens: string[]): Node {
    let node: Node | undefined = this.#root.get(tokens.length);
    if (!node) this.#root.set(tokens.length, (node = { children: new Map(), clusters: [] }));
    const levels = Math.min(this.#depth, tokens.length);
    for (let d = 0; d < levels; d++) {
      const t = tokens[d]!;
      let next: Node | undefined = node.children.get(t);
      if (!next) {
        const ch: Map<string, Node> = node.children;
        const wildKey = hasDigit(t)
          ? WILD
          : ch.has(WILD)
            ? ch.size < this.#maxChildren
              ? t
              : WILD
            : ch.size + 1 < this.#maxChildren
              ? t
              : WILD;
        next = ch.get(wildKey);
        if (!next) ch.set(wildKey, (next = { children: new Map(), clusters: [] }));
      }
      node = next;
    }
    return node;
  }

  #fastMatch(clusters: Cluster[], tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of clusters) {
      let same = 0;
      let params = 0;
      for (let i = 0; i < tokens.length; i++) {
        if (c.tokens[i] === WILD) params++;
        else if (c.tokens[i] === tokens[i]) same++;
      }
      const sim = tokens.length ? same / tokens.length : 1;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.#sim ? best : undefined;
  }
}
