//! `cargo xtask conformance`: loads the corpora, runs them against one runtime, prints the
//! verdicts, and exits non-zero on any failure, xpass or kit error. With `--mutants`, runs them
//! against the reference runtime and each of its mutants and prints the mutant x case matrix.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use toolcage_kit::{
    report, run_suite, ConformanceRuntime, Expectations, KitErrors, ProcessRuntime, RunOptions,
    RunReport, Suite,
};
#[cfg(feature = "mutants")]
use toolcage_selftest::mutants;
use toolcage_selftest::ReferenceRuntime;

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terse table by guarantee area, with a rerun command per failure.
    Console,
    /// Machine-readable report of every case.
    Json,
    /// JUnit XML for CI.
    Junit,
    /// A verdict table per area and the failures with rerun lines, for a pull-request comment
    /// or a CI job summary.
    Markdown,
}

/// Flags of `cargo xtask conformance`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Judge a runtime through the process adapter protocol (docs/ADAPTER.md); the command is
    /// split on whitespace. Default: the reference runtime, in-process.
    #[arg(long, value_name = "CMD")]
    adapter: Option<String>,
    /// A corpus directory (repeatable; default: <project root>/corpus).
    #[arg(long, value_name = "DIR")]
    corpus: Vec<PathBuf>,
    /// Only cases whose id contains PATTERN; a PATTERN equal to a case id selects only that case.
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Console)]
    format: Format,
    /// Write the report to FILE (the console summary still goes to stdout).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Cases run at once (default: available parallelism).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// The runtime's xfail list (`[[xfail]] id, reason`).
    #[arg(long, value_name = "FILE")]
    expectations: Option<PathBuf>,
    /// Run the corpora against the reference runtime and each of its mutants (one guarantee
    /// switched off each), in-process; fail if a mutant survives or the reference fails a case.
    #[arg(long, conflicts_with_all = ["adapter", "expectations"])]
    mutants: bool,
    /// Run the corpora N times against the same runtime and report every case whose verdict
    /// changed between runs (a change fails the command); the report is the last run's.
    #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "mutants",
          value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
}

/// Runs the command; exit 0 when every case passed, was skipped or xfailed (in every run, with
/// the same verdict in each), 1 on a failure, an xpass or a verdict that changed between runs,
/// 2 on a kit error or an unusable runtime.
pub fn run(args: Args) -> ExitCode {
    if args.mutants {
        #[cfg(not(feature = "mutants"))]
        return crate::features::rerun_with(crate::features::Feature::Mutants);
        #[cfg(feature = "mutants")]
        return match execute_mutants(&args) {
            Ok(matrix) if !matrix.failed() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(message) => {
                eprintln!("{message}");
                ExitCode::from(2)
            }
        };
    }
    match execute(&args) {
        Ok(runs) if !runs.failed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn corpora(args: &Args) -> Vec<PathBuf> {
    if args.corpus.is_empty() {
        vec![crate::project_root().join("corpus")]
    } else {
        args.corpus.clone()
    }
}

/// `--mutants`: the whole matrix in one pool of jobs; the JSON format is the matrix, not a run
/// report.
#[cfg(feature = "mutants")]
fn execute_mutants(args: &Args) -> Result<mutants::Matrix, String> {
    if matches!(args.format, Format::Junit | Format::Markdown) {
        return Err("--mutants reports as console or json, not junit or markdown".into());
    }
    let suite = Suite::load(&corpora(args)).map_err(|e| e.to_string())?;
    let options = mutants::Options {
        filter: args.filter.clone(),
        jobs: args
            .jobs
            .unwrap_or_else(|| mutants::Options::default().jobs),
        ..mutants::Options::default()
    };
    let matrix = mutants::run(&suite, &options).map_err(|e| e.to_string())?;
    let console = matrix.console();
    let machine = (args.format == Format::Json)
        .then(|| serde_json::to_string_pretty(&matrix.json()).expect("JSON values serialize"));
    write_out(args, &console, machine)?;
    Ok(matrix)
}

/// Every run of one `cargo xtask conformance` (one unless `--repeat`).
#[derive(Debug)]
struct Runs(Vec<RunReport>);

impl Runs {
    /// Whether any run failed, or any case's verdict changed between runs.
    fn failed(&self) -> bool {
        self.0.iter().any(RunReport::failed) || !report::changed(&self.0).is_empty()
    }
}

fn execute(args: &Args) -> Result<Runs, String> {
    let suite = Suite::load(&corpora(args)).map_err(|e| e.to_string())?;
    let expectations = match &args.expectations {
        Some(file) => {
            Expectations::load(file, &suite).map_err(|e| KitErrors::from(e).to_string())?
        }
        None => Expectations::default(),
    };
    let runtime = runtime_under_test(args)?;
    let options = RunOptions {
        filter: args.filter.clone(),
        jobs: args.jobs.unwrap_or_else(|| RunOptions::default().jobs),
        expectations,
    };
    let mut runs = Vec::new();
    for i in 1..=args.repeat {
        let run = run_suite(&*runtime, &suite, &options).map_err(|e| e.to_string())?;
        if args.repeat > 1 {
            eprintln!(
                "run {i} of {}: {} cases in {:.1} s{}; {}",
                args.repeat,
                run.results.len(),
                run.wall.as_secs_f64(),
                if run.failed() { ", FAILED" } else { "" },
                report::safety(&run).headline()
            );
        }
        runs.push(run);
    }
    emit(args, &runs)?;
    Ok(Runs(runs))
}

fn runtime_under_test(args: &Args) -> Result<Box<dyn ConformanceRuntime>, String> {
    Ok(match &args.adapter {
        Some(command) => Box::new(ProcessRuntime::new(command).map_err(|e| e.to_string())?),
        None => Box::new(
            ReferenceRuntime::new()
                .map_err(|e| format!("cannot build the reference runtime: {}", e.message()))?,
        ),
    })
}

/// The last run's report; with `--repeat`, the cases whose verdict changed after it (and in
/// the JSON report under `repeat`).
fn emit(args: &Args, runs: &[RunReport]) -> Result<(), String> {
    let report = runs.last().expect("at least one run");
    let mut console = report::console(report, &rerun_prefix(args));
    if runs.len() > 1 {
        console.push_str(&report::repeat_console(runs));
    }
    let machine = match args.format {
        Format::Console => None,
        Format::Json => {
            let mut json = report::json(report);
            if runs.len() > 1 {
                json["repeat"] = report::repeat_json(runs);
            }
            Some(serde_json::to_string_pretty(&json).expect("JSON values serialize"))
        }
        Format::Junit => Some(report::junit(report)),
        Format::Markdown => Some(report::markdown(report, &rerun_prefix(args))),
    };
    write_out(args, &console, machine)
}

/// `--output FILE` gets the machine format (or the console text); stdout keeps the console text
/// unless the machine format goes there.
fn write_out(args: &Args, console: &str, machine: Option<String>) -> Result<(), String> {
    match (&args.output, machine) {
        (Some(file), machine) => {
            fs::write(file, machine.as_deref().unwrap_or(console))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            print!("{console}");
        }
        (None, Some(machine)) => {
            println!("{machine}");
            eprint!("{console}");
        }
        (None, None) => print!("{console}"),
    }
    Ok(())
}

/// `cargo xtask conformance` with the flags that select the same runtime, corpora and
/// expectations; the report appends `--filter <id>`.
fn rerun_prefix(args: &Args) -> String {
    let mut command = String::from("cargo xtask conformance");
    if let Some(adapter) = &args.adapter {
        command.push_str(&format!(" --adapter {}", quote(adapter)));
    }
    for corpus in &args.corpus {
        command.push_str(&format!(
            " --corpus {}",
            quote(&corpus.display().to_string())
        ));
    }
    if let Some(file) = &args.expectations {
        command.push_str(&format!(
            " --expectations {}",
            quote(&file.display().to_string())
        ));
    }
    command
}

/// Quotes a word for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    report::shell_word(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(dir: &std::path::Path, expected_code: &str) {
        fs::write(
            dir.join("guarantees.toml"),
            "[[guarantee]]\nid = \"T-1\"\narea = \"trap\"\nclass = \"safety\"\nmust = \"m\"\n",
        )
        .unwrap();
        fs::write(
            dir.join("unreachable.wat"),
            format!(
                ";;! id = \"trap.unreachable\"\n;;! guarantee = \"T-1\"\n;;! since = \"0.1.0\"\n\
                 ;;! summary = \"s\"\n;;! [expect]\n;;! code = \"{expected_code}\"\n\
                 (module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\") unreachable))\n"
            ),
        )
        .unwrap();
    }

    fn args(dir: &std::path::Path, format: Format) -> Args {
        Args {
            adapter: None,
            corpus: vec![dir.to_path_buf()],
            filter: None,
            format,
            output: Some(dir.join("report.out")),
            jobs: Some(1),
            expectations: None,
            mutants: false,
            repeat: 1,
        }
    }

    #[test]
    fn reference_runtime_passes_and_writes_a_json_report() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "trap");
        let report = execute(&args(dir.path(), Format::Json)).unwrap();
        assert!(!report.failed());
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("report.out")).unwrap())
                .unwrap();
        assert_eq!(json["runtime"]["name"], "toolcage-runtime");
        assert_eq!(json["cases"][0]["id"], "trap.unreachable");
        assert_eq!(json["cases"][0]["verdict"], "pass");
    }

    #[test]
    fn a_failure_is_reported_and_fails_the_run() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "timeout");
        let report = execute(&args(dir.path(), Format::Junit)).unwrap();
        assert!(report.failed());
        let xml = fs::read_to_string(dir.path().join("report.out")).unwrap();
        assert!(
            xml.contains("<failure") && xml.contains("trap.unreachable"),
            "{xml}"
        );
    }

    #[test]
    fn repeated_runs_of_the_same_verdicts_agree_and_say_so_in_json() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "trap");
        let mut args = args(dir.path(), Format::Json);
        args.repeat = 3;
        let runs = execute(&args).unwrap();
        assert_eq!(runs.0.len(), 3);
        assert!(!runs.failed());
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("report.out")).unwrap())
                .unwrap();
        assert_eq!(json["repeat"]["runs"], 3);
        assert_eq!(json["repeat"]["changed"], serde_json::json!([]));
        assert_eq!(
            json["safety"]["headline"],
            "sandbox: 1 of 1 safety guarantees held"
        );
    }

    #[test]
    fn a_failure_in_markdown_names_the_case_and_its_rerun_line() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "timeout");
        let report = execute(&args(dir.path(), Format::Markdown)).unwrap();
        assert!(report.failed());
        let md = fs::read_to_string(dir.path().join("report.out")).unwrap();
        assert!(
            md.starts_with(
                "### toolcage conformance: ❌ FAILED\n\n\
                 **`sandbox: 0 of 1 safety guarantees held (1 only misreported: T-1)`**\n\n\
                 failing cases (xfail included): 0 safety, 1 reporting"
            ),
            "{md}"
        );
        assert!(md.contains("| trap | 0 | 1 | 0 | 0 | 0 |"), "{md}");
        assert!(md.contains("- `trap.unreachable` (T-1)"), "{md}");
        let rerun = format!(
            "cargo xtask conformance --corpus {} --filter trap.unreachable",
            dir.path().display()
        );
        assert!(md.contains(&rerun), "{md}");
    }

    #[cfg(feature = "mutants")]
    #[test]
    fn warm_up_tamper_case_catches_a_runtime_that_trusts_its_cache() {
        use toolcage_selftest::mutant_runtime::{self, Mutant};
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "trap");
        fs::write(
            dir.path().join("unreachable.wat"),
            ";;! id = \"package.tampered-copy-after-warm-load\"\n;;! guarantee = \"T-1\"\n\
             ;;! since = \"0.1.0\"\n;;! summary = \"s\"\n;;! [package]\n;;! tamper_after_pin = true\n\
             ;;! warm_up = true\n;;! [expect]\n;;! code = \"digest_mismatch\"\n\
             (module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\") unreachable))\n",
        )
        .unwrap();
        let suite = Suite::load(&[dir.path()]).unwrap();
        let options = RunOptions {
            jobs: 1,
            ..Default::default()
        };
        let reference = ReferenceRuntime::new().unwrap();
        assert!(!run_suite(&reference, &suite, &options).unwrap().failed());
        let mutant =
            mutant_runtime::ReferenceRuntime::with_mutant(Mutant::DigestNotReverifiedOnCacheHit)
                .unwrap();
        let report = run_suite(&mutant, &suite, &options).unwrap();
        assert!(report.failed(), "the mutant must be caught");
    }

    #[cfg(feature = "mutants")]
    #[test]
    fn mutants_matrix_goes_to_the_json_file_and_survivors_fail() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "trap");
        fs::write(
            dir.path().join("over-cap.wat"),
            ";;! id = \"input.over-cap\"\n;;! guarantee = \"T-1\"\n;;! since = \"0.1.0\"\n\
             ;;! summary = \"s\"\n;;! input_size = 40\n;;! [limits]\n;;! input_bytes = 39\n\
             ;;! [expect]\n;;! code = \"input_too_large\"\n\
             (module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\") unreachable))\n",
        )
        .unwrap();
        let mut args = args(dir.path(), Format::Json);
        args.mutants = true;
        let matrix = execute_mutants(&args).unwrap();
        assert!(matrix.failed(), "two cases cannot kill every mutant");
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("report.out")).unwrap())
                .unwrap();
        let no_input_cap = json["mutants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "no-input-cap")
            .unwrap();
        assert_eq!(no_input_cap["killed"], true);
        assert_eq!(no_input_cap["kills"][0]["id"], "input.over-cap");
        assert_eq!(no_input_cap["kills"][0]["reason"], "code_mismatch");
        assert_eq!(
            no_input_cap["runtime"],
            "toolcage-runtime[mutant:no-input-cap]"
        );
        assert_eq!(
            json["cases_killing_nothing"],
            serde_json::json!(["trap.unreachable"])
        );
        assert_eq!(json["reference"]["failed"], false);
        assert!(json["survivors"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("no-deadline")));

        args.format = Format::Junit;
        assert!(execute_mutants(&args).unwrap_err().contains("not junit"));
        args.format = Format::Markdown;
        assert!(execute_mutants(&args).unwrap_err().contains("or markdown"));
    }

    #[test]
    fn kit_errors_and_empty_filters_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        corpus(dir.path(), "trap");
        let mut filtered = args(dir.path(), Format::Console);
        filtered.filter = Some("nothing-matches".into());
        assert!(execute(&filtered).unwrap_err().contains("no case ran"));
        fs::write(
            dir.path().join("guarantees.toml"),
            "[[guarantee]]\nid = 1\n",
        )
        .unwrap();
        assert!(execute(&args(dir.path(), Format::Console)).is_err());
    }

    #[test]
    fn rerun_prefix_repeats_runtime_and_corpus_flags_quoted() {
        let args = Args {
            adapter: Some("python3 my adapter.py".into()),
            corpus: vec!["corpus".into(), "../their corpus".into()],
            filter: Some("x".into()),
            format: Format::Json,
            output: None,
            jobs: Some(3),
            expectations: Some("xfail.toml".into()),
            mutants: false,
            repeat: 1,
        };
        assert_eq!(
            rerun_prefix(&args),
            "cargo xtask conformance --adapter 'python3 my adapter.py' --corpus corpus \
             --corpus '../their corpus' --expectations xfail.toml"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
