//! Writes the seed corpora of the fuzz targets (`toolcage_fuzzing::seeds`) to
//! `fuzz/corpus/<target>/seed-<name>`, from the conformance corpus `corpus/`.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let seeds = toolcage_fuzzing::seeds::build(&root.join("corpus"));
    for (target, files) in &seeds {
        let dir = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).expect("the corpus directory");
        for (name, bytes) in files {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("a seed written");
        }
        println!("{target}: {} seeds in {}", files.len(), dir.display());
    }
}
