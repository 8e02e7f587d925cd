// Row of a name among a million, when the names are usually asked for in the rows' own order (the pool
// sorted by name: the embeddings, the manifest and the score table all list it so). The next row is tried
// first; a map of every name, which costs about 0.6 s at a million, is built only when a name is elsewhere.
export function rowLookup(names: readonly string[]): (name: string) => number | undefined {
  let index: Map<string, number> | undefined;
  let next = 0;
  return (name) => {
    if (names[next] === name) return next++;
    if (!index) {
      index = new Map();
      names.forEach((n, i) => index!.set(n, i));
    }
    const row = index.get(name);
    if (row !== undefined) next = row + 1;
    return row;
  };
}
