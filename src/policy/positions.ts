import { isMap, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * Lines of nodes in a parsed YAML document: lets findings point at the policy line that asked for
 * the check (SARIF regions, GitHub annotations) and errors at the line that is wrong.
 */
export class YamlLines {
  /** Each map's pairs by key, built on the first lookup: an environment binds 1,000 queues, each looked up once. */
  private readonly keyed = new WeakMap<YAMLMap, Map<unknown, Pair>>();

  constructor(
    private readonly root: Node | null,
    private readonly counter: LineCounter,
  ) {}

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let pairs = this.keyed.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const item of map.items) {
        const value = (item.key as { value?: unknown } | null)?.value;
        if (!pairs.has(value)) pairs.set(value, item);
      }
      this.keyed.set(map, pairs);
    }
    return pairs.get(key);
  }

  /** Line (1-based) of the key at `path` in nested maps, or of the item for a numeric segment in a sequence. */
  lineOf(path: (string | number)[]): number | undefined {
    let node: Node | null = this.root;
    let offset: number | undefined;
    for (const segment of path) {
      if (isMap(node) && typeof segment === 'string') {
        const pair = this.pairOf(node, segment);
        if (!pair) return undefined;
        offset = (pair.key as Node).range?.[0];
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment] as Node | null;
        offset = node?.range?.[0];
      } else {
        return undefined;
      }
    }
    return offset === undefined ? undefined : this.counter.linePos(offset).line;
  }
}
