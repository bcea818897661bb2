import { useMemo, useState } from "react";
import type { MemoryFile } from "../../bindings";
import { ChevronIcon } from "../../shared/icons";
import { formatBytes } from "../../shared/runs";
import { buildTree, foldersOf, type TreeNode } from "./tree";

interface FileTreeProps {
  files: readonly MemoryFile[];
  selected: string | null;
  onOpen(path: string): void;
}

/** The store's files as folders (from the `/`s in their paths) and files; folders start open. */
export function FileTree({ files, selected, onOpen }: FileTreeProps) {
  const tree = useMemo(() => buildTree(files), [files]);
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  // The open file's folders always show.
  const forcedOpen = useMemo(() => new Set(selected ? foldersOf(selected) : []), [selected]);

  const toggle = (path: string) =>
    setClosed((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  const render = (nodes: TreeNode[], depth: number) =>
    nodes.map((node) => {
      // A file's name lines up with the names of the folders beside it (after their chevron).
      const indent = { paddingLeft: `${8 + depth * 20 + (node.type === "file" ? 20 : 0)}px` };
      if (node.type === "folder") {
        const open = !closed.has(node.path) || forcedOpen.has(node.path);
        return (
          <li key={`d:${node.path}`} role="treeitem" aria-expanded={open} aria-selected={false}>
            <button
              type="button"
              className="tree-row tree-folder"
              style={indent}
              onClick={() => toggle(node.path)}
              data-folder={node.path}
            >
              <span className={open ? "tree-chevron open" : "tree-chevron"}>
                <ChevronIcon />
              </span>
              <span className="tree-name">{node.name}</span>
            </button>
            {open && <ul role="group">{render(node.children, depth + 1)}</ul>}
          </li>
        );
      }
      const active = node.path === selected;
      return (
        <li key={`f:${node.path}`} role="treeitem" aria-selected={active}>
          <button
            type="button"
            className={active ? "tree-row tree-file active" : "tree-row tree-file"}
            style={indent}
            onClick={() => onOpen(node.path)}
            title={node.file.description ? `${node.path}\n${node.file.description}` : node.path}
            aria-current={active ? "true" : undefined}
            data-testid="memory-file"
            data-path={node.path}
          >
            <span className="tree-name">{node.name}</span>
            <span className="tree-size">{formatBytes(node.file.bytes)}</span>
          </button>
        </li>
      );
    });

  return (
    <ul className="file-tree" role="tree" aria-label="Files">
      {render(tree, 0)}
    </ul>
  );
}
