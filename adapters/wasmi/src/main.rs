//! `toolcage-wasmi`: guest ABI `yoi-plugin-wasm-1` on the wasmi interpreter, speaking the kit's
//! process adapter protocol (docs/ADAPTER.md): `describe`, and `run` with one request on stdin.
//! The runtime itself is the library (`lib.rs`); this file is the protocol's stdio.

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("describe") if args.len() == 1 => print(&toolcage_wasmi::describe()),
        Some("run") if args.len() == 1 => run(),
        _ => {
            eprintln!("usage: toolcage-wasmi describe | toolcage-wasmi run < request.json");
            ExitCode::from(2)
        }
    }
}

fn print(value: &impl serde::Serialize) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn run() -> ExitCode {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        eprintln!("toolcage-wasmi: the request on stdin is not UTF-8");
        return ExitCode::from(2);
    }
    match toolcage_wasmi::answer(&text) {
        Ok(response) => {
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{response}") {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(3),
            }
        }
        Err(e) => {
            eprintln!("toolcage-wasmi: {e}");
            ExitCode::from(2)
        }
    }
}
