import type { MemoryFile } from "../../bindings";

export type TreeNode =
  | { type: "folder"; name: string; path: string; children: TreeNode[] }
  | { type: "file"; name: string; path: string; file: MemoryFile };

/** Folders from the `/`s in the files' paths: folders first, then files, each by name. */
export function buildTree(files: readonly MemoryFile[]): TreeNode[] {
  const root: TreeNode[] = [];
  const folders = new Map<string, TreeNode[]>([["", root]]);
  const folder = (path: string): TreeNode[] => {
    const found = folders.get(path);
    if (found) return found;
    const cut = path.lastIndexOf("/");
    const parent = folder(cut === -1 ? "" : path.slice(0, cut));
    const children: TreeNode[] = [];
    parent.push({ type: "folder", name: path.slice(cut + 1), path, children });
    folders.set(path, children);
    return children;
  };
  for (const file of files) {
    const cut = file.path.lastIndexOf("/");
    folder(cut === -1 ? "" : file.path.slice(0, cut)).push({
      type: "file",
      name: file.path.slice(cut + 1),
      path: file.path,
      file,
    });
  }
  const sort = (nodes: TreeNode[]) => {
    nodes.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === "folder" ? -1 : 1));
    for (const node of nodes) if (node.type === "folder") sort(node.children);
  };
  sort(root);
  return root;
}

/** The folders that hold `path`, outermost first: "a/b/c.md" → ["a", "a/b"]. */
export function foldersOf(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** A heading for a new file, from its name: "notes/release-steps.md" → "Release steps". */
export function titleFromPath(path: string): string {
  const name = (path.split("/").pop() ?? path).replace(/\.md$/, "").replace(/[-_]+/g, " ").trim();
  return name === "" ? "Notes" : name.charAt(0).toUpperCase() + name.slice(1);
}

/** A search snippet split at its « » marks. */
export function snippetParts(snippet: string): Array<{ text: string; match: boolean }> {
  const parts: Array<{ text: string; match: boolean }> = [];
  const pattern = /«([^»]*)»/g;
  let last = 0;
  for (let found = pattern.exec(snippet); found; found = pattern.exec(snippet)) {
    if (found.index > last) parts.push({ text: snippet.slice(last, found.index), match: false });
    parts.push({ text: found[1] ?? "", match: true });
    last = found.index + found[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}
