import { describe, expect, it } from "vitest";
import type { MemoryFile } from "../../bindings";
import { buildTree, foldersOf, snippetParts, titleFromPath, type TreeNode } from "./tree";

const file = (path: string): MemoryFile => ({
  path,
  description: "",
  sha256: "",
  bytes: 1,
  version_id: "v",
  updated_at: 0,
});

/** The tree as indented lines: folders end in /. */
function outline(nodes: TreeNode[], depth = 0): string[] {
  return nodes.flatMap((node) =>
    node.type === "folder"
      ? [`${"  ".repeat(depth)}${node.name}/`, ...outline(node.children, depth + 1)]
      : [`${"  ".repeat(depth)}${node.name}`],
  );
}

describe("file tree", () => {
  it("makes folders from the slashes, folders first, then files, by name", () => {
    const tree = buildTree(
      ["style.md", "project/testing.md", "decisions/storage.md", "project/deep/x.md", "project/a.md", "README.md"].map(
        file,
      ),
    );
    expect(outline(tree)).toEqual([
      "decisions/",
      "  storage.md",
      "project/",
      "  deep/",
      "    x.md",
      "  a.md",
      "  testing.md",
      "README.md",
      "style.md",
    ]);
    const project = tree.find((n) => n.name === "project");
    expect(project?.type === "folder" && project.children[0]?.path).toBe("project/deep");
  });

  it("keeps a file beside a folder of a similar name apart", () => {
    expect(outline(buildTree(["notes.md", "notes/a.md"].map(file)))).toEqual(["notes/", "  a.md", "notes.md"]);
  });

  it("is empty for no files", () => {
    expect(buildTree([])).toEqual([]);
  });

  it("lists the folders that hold a path", () => {
    expect(foldersOf("a/b/c.md")).toEqual(["a", "a/b"]);
    expect(foldersOf("c.md")).toEqual([]);
  });

  it("titles a new file from its name", () => {
    expect(titleFromPath("notes/release-steps.md")).toBe("Release steps");
    expect(titleFromPath("how_we_test.md")).toBe("How we test");
  });

  it("splits a search snippet at its marks", () => {
    expect(snippetParts("…run «npm» «test» now")).toEqual([
      { text: "…run ", match: false },
      { text: "npm", match: true },
      { text: " ", match: false },
      { text: "test", match: true },
      { text: " now", match: false },
    ]);
    expect(snippetParts("no marks")).toEqual([{ text: "no marks", match: false }]);
  });
});
