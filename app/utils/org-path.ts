// The org tree's materialized paths (`/1/4/`: the ids from the root down, each followed by a slash) and
// the one rule for "in a subtree", shared by SQL (`inSubtree` in db.server.ts) and by code that already
// holds the paths. Pure and browser-safe.

/** A subtree's root path, checked: `/` (the whole tree) or ids each followed by a slash. */
function orgPath(root: string): string {
  if (!/^\/(\d+\/)*$/.test(root)) throw new Error(`not an org path: ${root}`);
  return root;
}

/** The LIKE pattern of a subtree: the unit at `root` and everything below it. */
export const subtreePattern = (root: string): string => `${orgPath(root)}%`;

/**
 * Whether the unit at `path` is the unit at `root` or below it: what `path LIKE subtreePattern(root)`
 * decides in SQL. The closing slash keeps `/1/40/` out of `/1/4/`.
 */
export const pathInSubtree = (path: string, root: string): boolean => path.startsWith(orgPath(root));
