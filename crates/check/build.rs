//! Embeds the repository's `rules/` folder (scripts and pack manifests) into the library, so an installed binary
//! carries its rule packs.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if let Ok(packs) = std::fs::read_dir(&root) {
        for pack in packs.flatten() {
            let dir = pack.path();
            println!("cargo:rerun-if-changed={}", dir.display());
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    let manifest = p.file_name().is_some_and(|n| n == "pack.toml");
                    if manifest || p.extension().is_some_and(|x| x == "rhai") {
                        println!("cargo:rerun-if-changed={}", p.display());
                        let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                        files.push((rel, p.canonicalize().unwrap()));
                    }
                }
            }
        }
    }
    files.sort();
    let mut out = String::from("/// Rule files and pack manifests embedded at build time: (path under rules/, source).\npub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in files {
        writeln!(out, "    ({rel:?}, include_str!({:?})),", abs.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    std::fs::write(dest, out).unwrap();
}
