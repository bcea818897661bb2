//! Hundreds of systematically generated attempts to leave the workspace through read_file,
//! write_file, edit_file, list_files and search_files. Outside the workspace sit a secret (which
//! must never appear in any output) and a sentinel tree (which must not change); every attempt
//! must come back as an error result, except odd-Unicode names that are ordinary file names and
//! may be written inside the workspace.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use serde_json::{json, Value};

use crate::tools::Fixture;

const SECRET: &str = "SENTINEL-secret-e5c4pe-0f-the-w0rkspace";
/// A line every Linux /etc/passwd starts with.
const PASSWD: &str = "root:x:0:0";

/// A path to try, and whether it is an ordinary (odd) name that may legitimately stay inside.
struct Form {
    path: String,
    may_stay_inside: bool,
}

fn escaping(path: String) -> Form {
    Form { path, may_stay_inside: false }
}

fn odd_name(path: String) -> Form {
    Form { path, may_stay_inside: true }
}

struct Escape {
    f: Fixture,
    /// The temporary folder holding `ws/` and `outside/`, as a string.
    host: String,
    ws: String,
}

fn setup() -> Escape {
    let f = Fixture::new();
    let tmp = fs::canonicalize(f.tmp.path()).unwrap();
    let host = tmp.to_str().unwrap().to_owned();
    let ws = fs::canonicalize(&f.ws).unwrap().to_str().unwrap().to_owned();
    fs::create_dir_all(tmp.join("outside/nested")).unwrap();
    fs::write(tmp.join("outside/secret.txt"), SECRET).unwrap();
    fs::write(tmp.join("outside/nested/deep.txt"), SECRET).unwrap();
    fs::write(tmp.join("secret-top.txt"), SECRET).unwrap();

    f.write("hello.txt", "hello");
    f.write("sub/inner/file.txt", "inner");
    let link = |target: &str, at: &str| symlink(target, f.ws.join(at)).unwrap();
    link(&format!("{host}/outside/secret.txt"), "link_file");
    link(&format!("{host}/outside"), "link_dir");
    link("../outside", "rel_link_dir");
    link("../../", "sub/up");
    link("../../../outside", "sub/inner/up3");
    link("chain2", "chain1");
    link("chain3", "chain2");
    link(&format!("{host}/outside/secret.txt"), "chain3");
    link("sub/dchain2", "dchain1");
    link("../../outside", "sub/dchain2");
    link("/", "rootlink");
    link("/etc", "etc_link");
    link("/proc/self/cwd", "proc_cwd");
    link(&format!("{host}/outside/created-by-link.txt"), "dangling_file");
    link(&format!("{host}/outside/newdir"), "dangling_dir");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("sub", "inside_sub");
    link(".", "self_dot");
    Escape { f, host, ws }
}

/// Every way we know to write `target` (a path relative to the folder holding the workspace,
/// starting with `outside`) so that it might leave the workspace.
fn forms(e: &Escape, target: &str) -> Vec<Form> {
    let host = &e.host;
    let ws = &e.ws;
    let host_rel = host.trim_start_matches('/');
    let host_name = Path::new(host).file_name().unwrap().to_str().unwrap();
    let rest = target.strip_prefix("outside").unwrap(); // "", "/secret.txt", …
    let back = target.replace('/', "\\");
    let mut v: Vec<Form> = Vec::new();
    // `..` chains in many spellings.
    for p in [
        format!("../{target}"),
        format!("./../{target}"),
        format!(".././{target}"),
        format!("..//{target}"),
        format!("..///./{target}"),
        format!("sub/../../{target}"),
        format!("sub/./../../{target}"),
        format!("sub//..//..//{target}"),
        format!("sub/inner/../../../{target}"),
        format!("missing/../../{target}"),
        format!("missing/deeper/../../../{target}"),
        format!("hello.txt/../../{target}"),
        format!("inside_sub/../../{target}"),
        format!("self_dot/../{target}"),
        format!("self_dot/self_dot/../{target}"),
        format!("../ws/../{target}"),
        format!("../../{host_name}/{target}"),
        format!("a/../a/../../{target}"),
        format!("sub/inner/../../sub/inner/../../../{target}"),
    ] {
        v.push(escaping(p));
    }
    for n in [2, 3, 4, 6, 8, 12, 20, 40] {
        v.push(escaping(format!("{}{host_rel}/{target}", "../".repeat(n))));
    }
    // Absolute paths outside, and absolute paths that start inside and climb out.
    for p in [
        format!("{host}/{target}"),
        format!("{host}//{target}"),
        format!("/{host}/{target}"),
        format!("{host}/./{target}"),
        format!("{host}/ws/../{target}"),
        format!("{ws}/../{target}"),
        format!("{ws}/sub/../../{target}"),
        format!("{ws}/./../{target}"),
        format!("{ws}//..//{target}"),
        format!("/proc/self/root{host}/{target}"),
        format!("/../../..{host}/{target}"),
    ] {
        v.push(escaping(p));
    }
    // Windows spellings.
    for p in [
        format!("..\\{back}"),
        format!("sub\\..\\..\\{back}"),
        format!("..\\/{target}"),
        format!("..\\\\{back}"),
        format!("C:\\..\\{back}"),
        format!("\\\\?\\{host}\\{back}"),
    ] {
        v.push(escaping(p));
    }
    // Odd Unicode: look-alike dots and slashes are ordinary names; invisible controls are refused.
    for p in [
        format!("\u{FF0E}\u{FF0E}/{target}"),
        format!("\u{FF0E}\u{FF0E}\u{FF0F}{target}"),
        format!("\u{2025}/{target}"),
        format!("\u{2024}\u{2024}/{target}"),
        format!("\u{FE52}\u{FE52}/{target}"),
        format!(".\u{0307}./{target}"),
        format!("..\u{0338}/{target}"),
        format!("..\u{2215}{target}"),
        format!("..\u{FF3C}{target}"),
        format!("%2e%2e/{target}"),
        format!("%2e%2e%2f{}", target.replace('/', "%2f")),
        format!("..%c0%af{target}"),
        format!("~/../{host_name}/{target}"),
        format!("file:{host}/{target}"),
    ] {
        v.push(odd_name(p));
    }
    for p in [
        format!("\u{202E}../{target}"),
        format!("..\u{2066}/{target}"),
        format!("..\u{200F}/{target}"),
        format!("..\u{200B}/{target}"),
        format!("\u{FEFF}../{target}"),
        format!("..\n/{target}"),
        format!("..\u{1b}[2K/{target}"),
        format!("..\u{85}/{target}"),
    ] {
        v.push(escaping(p));
    }
    // NUL bytes and lengths the kernel would refuse or truncate.
    for p in [
        format!("../{target}\0"),
        format!("hello.txt\0../../{target}"),
        format!("\0../{target}"),
        format!("{}/../../{target}", "x".repeat(255)),
        format!("{}/{target}", "x".repeat(256)),
        format!("{}/../{target}", "é".repeat(128)),
        format!("{}{target}", "../".repeat(1400)),
        format!("{}../{target}", "a/".repeat(2100)),
        format!("{}{host}/{target}", "/".repeat(4100)),
    ] {
        v.push(escaping(p));
    }
    // Symbolic links to outside: absolute, relative, in a subfolder, chained, via `/`.
    for dir_link in [
        "link_dir".to_owned(),
        "rel_link_dir".to_owned(),
        "./link_dir/.".to_owned(),
        "sub/up/outside".to_owned(),
        "sub/inner/up3".to_owned(),
        "dchain1".to_owned(),
        "inside_sub/up/outside".to_owned(),
        "self_dot/link_dir".to_owned(),
        "sub/../link_dir".to_owned(),
        format!("rootlink{host}/outside"),
        format!("rootlink/{host_rel}/ws/../outside"),
        format!("{ws}/link_dir"),
        format!("{ws}/sub/up/outside"),
    ] {
        v.push(escaping(format!("{dir_link}{rest}")));
    }
    if rest == "/secret.txt" {
        for p in [
            "link_file".to_owned(),
            "chain1".to_owned(),
            "./chain2".to_owned(),
            "sub/../link_file".to_owned(),
            format!("{ws}/chain1"),
        ] {
            v.push(escaping(p));
        }
    }
    v
}

/// Target-independent attempts for the reading tools.
fn read_extras(e: &Escape) -> Vec<Form> {
    let host = &e.host;
    [
        "..",
        "../",
        "../.",
        "/",
        "/etc",
        "/etc/passwd",
        "/etc/shadow",
        "/proc/self/environ",
        "/proc/self/root/etc/passwd",
        "etc_link",
        "etc_link/passwd",
        "rootlink",
        "rootlink/etc/passwd",
        "proc_cwd",
        "proc_cwd/Cargo.toml",
        "sub/up",
        "sub/up/",
        "sub/up/secret-top.txt",
        "../secret-top.txt",
        "loop1",
        "loop1/x",
        "dangling_file",
        "dangling_dir",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([host.clone(), format!("{host}/"), format!("{host}/secret-top.txt"), format!("{host}/outside")])
    .map(escaping)
    .collect()
}

/// Everything outside the workspace, as (path → link target or content), to compare before and after.
fn snapshot(dir: &Path, skip: &Path, into: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path == skip {
            continue;
        }
        let meta = fs::symlink_metadata(&path).unwrap();
        let key = path.display().to_string();
        if meta.file_type().is_symlink() {
            into.insert(key, format!("-> {}", fs::read_link(&path).unwrap().display()));
        } else if meta.is_dir() {
            into.insert(key, "dir".into());
            snapshot(&path, skip, into);
        } else {
            into.insert(key, fs::read_to_string(&path).unwrap_or_else(|_| "(binary)".into()));
        }
    }
}

fn outside_state(e: &Escape) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    snapshot(Path::new(&e.host), &Path::new(&e.host).join("ws"), &mut map);
    map
}

#[derive(Default)]
struct Tally {
    attempts: usize,
    refused: usize,
    stayed_inside: usize,
    walks: usize,
}

impl Tally {
    /// Runs one attempt and checks that nothing leaked; returns whether the tool refused it.
    async fn attempt(&mut self, e: &Escape, tool: &str, input: Value, form: &Form) {
        self.attempts += 1;
        let out = e.f.call(tool, input.clone()).await;
        let shown = format!("{tool} {:.300}", input.to_string());
        assert!(!out.content.contains(SECRET), "LEAK: {shown} returned the secret:\n{}", out.content);
        assert!(!out.content.contains(PASSWD), "LEAK: {shown} returned /etc/passwd:\n{}", out.content);
        if !form.path.contains(e.host.trim_start_matches('/')) {
            assert!(!out.content.contains(&e.host), "{shown} named a host path: {}", out.content);
        }
        if out.is_error {
            self.refused += 1;
            return;
        }
        assert!(form.may_stay_inside && tool == "write_file", "{shown} was not refused: {}", out.content);
        // An odd name written as an ordinary file inside the workspace.
        let written = out.content.strip_prefix("created ").and_then(|s| s.rsplit_once(" (")).map(|(p, _)| p.to_owned());
        let written = written.unwrap_or_else(|| panic!("{shown}: unexpected result {}", out.content));
        assert_eq!(fs::read_to_string(e.f.ws.join(&written)).unwrap(), "PWNED", "{shown} wrote inside at {written}");
        self.stayed_inside += 1;
    }

    /// A walk over the workspace (not an error) that must not follow links out of it.
    async fn walk(&mut self, e: &Escape, tool: &str, input: Value) {
        self.attempts += 1;
        self.walks += 1;
        let out = e.f.call(tool, input.clone()).await;
        assert!(!out.is_error, "{tool} {input}: {}", out.content);
        assert!(
            !out.content.contains(SECRET) && !out.content.contains(&e.host),
            "LEAK: {tool} {input}:\n{}",
            out.content
        );
    }
}

#[tokio::test]
async fn hundreds_of_escape_attempts_all_fail() {
    let e = setup();
    let before = outside_state(&e);
    let mut tally = Tally::default();

    // Reading tools first, so nothing written by an odd-name write can be found by them.
    let file_forms = forms(&e, "outside/secret.txt");
    let dir_forms = forms(&e, "outside");
    let extras = read_extras(&e);
    for form in file_forms.iter().chain(&extras) {
        tally.attempt(&e, "read_file", json!({"path": form.path}), form).await;
    }
    for form in &file_forms {
        tally
            .attempt(&e, "edit_file", json!({"path": form.path, "old_string": SECRET, "new_string": "PWNED"}), form)
            .await;
    }
    for form in dir_forms.iter().chain(&file_forms).chain(&extras) {
        tally.attempt(&e, "list_files", json!({"path": form.path, "recursive": true}), form).await;
    }
    for form in dir_forms.iter().chain(&extras) {
        tally.attempt(&e, "search_files", json!({"pattern": "SENTINEL", "path": form.path}), form).await;
    }
    // Walks from inside must not follow the links out.
    tally.walk(&e, "list_files", json!({"recursive": true})).await;
    for glob in ["**/secret.txt", "../outside/**", "/**", "**", "link_dir/**"] {
        tally.walk(&e, "search_files", json!({"pattern": "SENTINEL", "glob": glob})).await;
    }
    tally.walk(&e, "search_files", json!({"pattern": "SENTINEL", "path": "sub"})).await;

    // Writes: over the secret, new files beside it, and through links whose target does not exist yet.
    let created_forms = forms(&e, "outside/created.txt");
    let dangling: Vec<Form> =
        ["dangling_file", "dangling_dir/x.txt", "./dangling_file", "sub/../dangling_dir/new/x.txt"]
            .into_iter()
            .map(|p| escaping(p.to_owned()))
            .chain(
                ["link_dir/nested/new.txt", "sub/inner/up3/nested/new.txt", "sub/up/new-top.txt"]
                    .into_iter()
                    .map(|p| escaping(p.to_owned())),
            )
            .collect();
    for form in file_forms.iter().chain(&created_forms).chain(&dangling) {
        tally.attempt(&e, "write_file", json!({"path": form.path, "content": "PWNED"}), form).await;
    }

    let after = outside_state(&e);
    assert_eq!(before, after, "nothing outside the workspace changed");
    assert!(before.values().filter(|v| v.as_str() == SECRET).count() == 3, "the sentinel is still in place");
    println!(
        "path-escape attempts: {} ({} refused, {} odd names kept inside the workspace, {} walks without a leak); escapes: 0",
        tally.attempts, tally.refused, tally.stayed_inside, tally.walks
    );
    assert!(tally.attempts >= 200, "at least 200 attempts, got {}", tally.attempts);
}
