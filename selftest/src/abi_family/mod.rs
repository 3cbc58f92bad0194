//! The fuzzer's ABI family: guests written as WAT text, not by wasm-smith, that call every
//! `yoi:tool` import with pointers and lengths at and around the edges (the memory's end, the
//! exact buffer length, the caps, zero, negative and wrapping values) and place valid and
//! near-valid tool outputs in memory and write them, so a fuzz run exercises the ABI itself and
//! a differential run compares what each runtime's imports and output check make of the same bytes.
//!
//! wasm-smith's code almost never reaches an import with a meaningful argument: in a 3,000-module
//! run it called `input_read`, `tool_name_read`, `output_write` and `diagnostic_write` zero times.
//! Here every step is a deliberate call, each import result is folded into a global the guest
//! can report as its summary, and the program is straight-line (it always ends), so two runtimes
//! must agree on every outcome, output and import count.
//!
//! A generator does not know the spec's answer for each call; the differential comparison and the
//! family's oracle in [`crate::fuzz`] (run- or output-phase outcomes only, well-formed) judge it.

use std::fmt::Write as _;

mod texts;

use texts::{DIAGNOSTICS, INPUTS, PAYLOADS};

/// SplitMix64: a fixed, dependency-free byte source, so a seed means the same module on every
/// machine and every version of `rand`.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The limits a generated module asks for (`None`: the default), small ones so that the caps'
/// edges are cheap to reach.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbiLimits {
    /// The output cap (`output_bytes`).
    pub output_bytes: Option<u64>,
    /// The summary cap (`summary_bytes`).
    pub summary_bytes: Option<u64>,
    /// The diagnostics cap (`diagnostic_bytes`).
    pub diagnostic_bytes: Option<u64>,
}

/// One generated ABI guest and the call it is made with.
#[derive(Clone, Debug)]
pub struct AbiModule {
    /// The module as text (kept for dumping a finding).
    pub wat: String,
    /// The tool the manifest declares and the call names.
    pub tool: String,
    /// The call's input: always a JSON object within the input cap, so the guest runs.
    pub input: String,
    /// Limit overrides of the call.
    pub limits: AbiLimits,
    /// Whether it imports `diagnostic_write` (capability `diagnostics`).
    pub diagnostics: bool,
}

const DEFAULT_OUTPUT: u64 = 64 * 1024;
const DEFAULT_SUMMARY: u64 = 1024;
const DEFAULT_INPUT: u64 = 64 * 1024;
const PAGE: u64 = 65536;
/// The default memory cap in pages: growth past it ends the call with `memory_limit`.
const CAP_PAGES: u64 = 32;

const NAME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

/// Generates the ABI module of `seed`.
pub fn generate(seed: u64) -> AbiModule {
    Builder::new(seed).build()
}

struct Builder {
    rng: SplitMix,
    tool: String,
    input: String,
    limits: AbiLimits,
    diagnostics: bool,
    /// The memory's declared initial size in pages.
    initial: u64,
    /// The memory's size in pages as the program runs, known statically (straight-line code).
    pages: u64,
    /// The memory's declared maximum, if any.
    max_pages: Option<u64>,
    /// Passive data segments, in order (`$d0`, `$d1`, ...).
    segments: Vec<Vec<u8>>,
    body: String,
    /// The call has ended (a grow past the cap traps), so later steps are dead code.
    ended: bool,
    /// No edge `output_write` and every write exact, so most writes succeed and the last
    /// payload written is the output the contract judges (a third of the modules).
    clean: bool,
}

impl Builder {
    fn new(seed: u64) -> Builder {
        let mut rng = SplitMix(seed ^ 0xab1_fa31_17e5);
        let tool = tool_name(&mut rng);
        let limits = AbiLimits {
            output_bytes: rng.pick(&[None, None, Some(64), Some(100), Some(1000), Some(4096)]),
            summary_bytes: rng.pick(&[None, None, Some(8), Some(16), Some(100)]),
            diagnostic_bytes: rng.pick(&[None, None, Some(16), Some(100)]),
        };
        let input = input(&mut rng);
        let (pages, max_pages) = rng.pick(&[
            (0, None),
            (1, None),
            (1, None),
            (1, Some(1)),
            (1, Some(2)),
            (2, None),
            (2, Some(40)),
            (3, None),
            (31, None),
            (32, Some(32)),
        ]);
        let diagnostics = rng.below(4) != 0;
        let clean = rng.below(3) == 0;
        Builder {
            rng,
            tool,
            input,
            limits,
            diagnostics,
            initial: pages,
            pages,
            max_pages,
            segments: Vec::new(),
            body: String::new(),
            ended: false,
            clean,
        }
    }

    fn size(&self) -> u64 {
        self.pages * PAGE
    }

    fn output_cap(&self) -> u64 {
        self.limits.output_bytes.unwrap_or(DEFAULT_OUTPUT)
    }

    fn summary_cap(&self) -> u64 {
        self.limits.summary_bytes.unwrap_or(DEFAULT_SUMMARY)
    }

    fn build(mut self) -> AbiModule {
        let steps = 1 + self.rng.below(12);
        for _ in 0..steps {
            if self.ended {
                break;
            }
            self.step();
        }
        // Most guests end with an output that is valid or nearly so, so outputs are compared too.
        if !self.ended && self.rng.chance(85) {
            match self.rng.below(5) {
                0 => self.report(),
                1 => self.echo(),
                _ => self.payload(),
            }
        }
        if !self.ended && self.rng.chance(4) {
            // An output written before a trap is discarded (TRAP-02).
            self.body.push_str("    unreachable\n");
        }
        self.module()
    }

    fn step(&mut self) {
        match self.rng.below(100) {
            0..=19 => self.read_probe(),
            20..=27 => {
                let f = self.rng.pick(&["$input_len", "$tool_name_len"]);
                self.fold(&format!("(call {f})"));
            }
            28..=41 if self.diagnostics => self.diagnostic(),
            28..=41 => self.read_probe(),
            42..=43 if !self.clean => self.output_probe(),
            44..=46 => self.payload(),
            47..=52 => self.grow(),
            53..=74 => self.payload(),
            75..=82 => self.echo(),
            83..=89 => self.name_summary(),
            90..=94 => self.big_content(),
            _ => self.report(),
        }
    }

    /// `acc = acc * 31 + value`: every import's answer reaches the summary of a reporting guest.
    fn fold(&mut self, value: &str) {
        let _ = writeln!(
            self.body,
            "    (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 31)) {value}))"
        );
    }

    /// A pointer for a range of `len` bytes: at and around the memory's end, wrapping past 2^32,
    /// far out, or anywhere inside; sometimes computed at run time from `memory.size`.
    fn pointer(&mut self, len: i64) -> String {
        let size = self.size() as i64;
        let wrap = (1i64 << 32) - len.clamp(0, 1 << 31);
        let fits = (size - len.max(0)).max(0);
        let value: i64 = match self.rng.below(16) {
            0 => 0,
            1 => 1,
            2 => size,
            3 => size - 1,
            4 => size + 1,
            5 => size - len,
            6 => size - len + 1,
            7 => wrap,
            8 => wrap + 1,
            9 => 0x7fff_ffff,
            10 => 0x8000_0000,
            11 => 0xffff_ffff,
            12 => (self.rng.next() as u32).into(),
            13 => {
                return format!(
                    "(i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const {}))",
                    (len as i32).wrapping_add(self.rng.below(3) as i32 - 1)
                )
            }
            _ => self.rng.below(fits as usize + 1) as i64,
        };
        format!("(i32.const {})", value as u32 as i32)
    }

    /// A length around `exact` (the buffer's length, or a cap): equal, one off, zero, negative,
    /// the i32 extremes, the memory's size, or arbitrary.
    fn length(&mut self, exact: i64) -> i64 {
        match self.rng.below(14) {
            0..=3 => exact,
            4 => exact - 1,
            5 => exact + 1,
            6 => 0,
            7 => -1,
            8 => i32::MIN.into(),
            9 => i32::MAX.into(),
            10 => self.size() as i64,
            11 => self.output_cap() as i64 + self.rng.below(3) as i64 - 1,
            12 => -(self.rng.below(1 << 16) as i64),
            _ => self.rng.below(300) as i64,
        }
    }

    fn read_probe(&mut self) {
        let (f, exact) = if self.rng.chance(50) {
            ("$input_read", self.input.len() as i64)
        } else {
            ("$tool_name_read", self.tool.len() as i64)
        };
        let len = self.length(exact);
        let ptr = if self.rng.chance(30) && len >= 0 && (len as u64) <= self.size() {
            let room = self.size() - len as u64;
            format!("(i32.const {})", self.rng.below(room as usize + 1))
        } else {
            self.pointer(len)
        };
        // Sometimes the length the guest asks the host for, as a real guest does.
        let len = if len == exact && self.rng.chance(30) {
            match f {
                "$input_read" => "(call $input_len)".to_string(),
                _ => "(call $tool_name_len)".to_string(),
            }
        } else {
            format!("(i32.const {})", len as i32)
        };
        self.fold(&format!("(call {f} {ptr} {len})"));
    }

    /// `output_write` with an arbitrary range: most of these fail the call (fail closed).
    fn output_probe(&mut self) {
        let cap = self.output_cap() as i64;
        let len = self.length(cap);
        let ptr = self.pointer(len);
        self.fold(&format!(
            "(call $output_write {ptr} (i32.const {}))",
            len as i32
        ));
    }

    fn grow(&mut self) {
        let delta = self.rng.pick(&[0u64, 1, 1, 2, 40]);
        self.fold(&format!("(memory.grow (i32.const {delta}))"));
        let new = self.pages + delta;
        if self.max_pages.is_some_and(|max| new > max) {
            return; // -1 past the module's own maximum; the guest goes on (MEM-05)
        }
        if new > CAP_PAGES {
            self.ended = true; // memory_limit
            return;
        }
        self.pages = new;
    }

    fn segment(&mut self, bytes: &[u8]) -> usize {
        self.segments.push(bytes.to_vec());
        self.segments.len() - 1
    }

    /// An address where `len` bytes fit, preferring the memory's very end; `None` if they do not.
    fn place(&mut self, len: u64) -> Option<u64> {
        let size = self.size();
        if len > size {
            return None;
        }
        Some(match self.rng.below(3) {
            0 => size - len,
            1 => 0,
            _ => self.rng.below((size - len) as usize + 1) as u64,
        })
    }

    /// Copies `bytes` to `at` from a passive segment (the copy is in bounds: `place` said so).
    fn store(&mut self, at: u64, bytes: &[u8]) {
        let segment = self.segment(bytes);
        let _ = writeln!(
            self.body,
            "    (memory.init $d{segment} (i32.const {at}) (i32.const 0) (i32.const {}))",
            bytes.len()
        );
    }

    /// Writes `[at, at + len)`, usually exactly the text placed there, sometimes one byte off.
    fn write(&mut self, at: u64, len: u64) {
        let off = if self.clean { 12 } else { self.rng.below(12) };
        let (ptr, len) = match off {
            0 => (at, len.saturating_sub(1)),
            1 => (at, len + 1),
            2 => (at + 1, len),
            _ => (at, len),
        };
        self.fold(&format!(
            "(call $output_write (i32.const {}) (i32.const {}))",
            ptr as u32 as i32, len as u32 as i32
        ));
    }

    /// A valid or near-valid output from the library, a summary at and around its cap, or JSON
    /// nested at and around the output's depth limit.
    fn payload(&mut self) {
        let bytes = match self.rng.below(10) {
            0..=5 => self.rng.pick(PAYLOADS).to_vec(),
            6 | 7 => {
                let cap = self.summary_cap() as usize;
                let n = cap + self.rng.below(3) - 1;
                let mut summary = "s".repeat(n.max(1));
                if self.rng.chance(50) && n >= 2 {
                    // A two-byte character across the cap.
                    summary.truncate(n - 2);
                    summary.push('\u{e9}');
                }
                format!(r#"{{"summary":"{summary}"}}"#).into_bytes()
            }
            _ => {
                let depth = self.rng.pick(&[126usize, 127, 128, 129, 200]);
                let inner = depth - 1;
                format!(
                    r#"{{"summary":"deep","content":{}{}}}"#,
                    "[".repeat(inner),
                    "]".repeat(inner)
                )
                .into_bytes()
            }
        };
        if let Some(at) = self.place(bytes.len() as u64) {
            self.store(at, &bytes);
            self.write(at, bytes.len() as u64);
        }
    }

    /// Reads the input into memory and writes it back as the output: byte-for-byte input (IN-06)
    /// meets the output contract.
    fn echo(&mut self) {
        let len = self.input.len() as u64;
        if let Some(at) = self.place(len) {
            self.fold(&format!(
                "(call $input_read (i32.const {at}) (call $input_len))"
            ));
            self.write(at, len);
        }
    }

    /// `{"summary":"<tool name>"}` with the name copied in by `tool_name_read`.
    fn name_summary(&mut self) {
        let head = br#"{"summary":""#;
        let name = self.tool.len() as u64;
        let total = head.len() as u64 + name + 2;
        if let Some(at) = self.place(total) {
            self.store(at, head);
            let name_at = at + head.len() as u64;
            self.fold(&format!(
                "(call $tool_name_read (i32.const {name_at}) (call $tool_name_len))"
            ));
            self.store(name_at + name, br#""}"#);
            self.write(at, total);
        }
    }

    /// An output of exactly the cap, one under or one over, its content filled by `memory.fill`.
    fn big_content(&mut self) {
        let head = br#"{"summary":"big","content":""#;
        let total = (self.output_cap() + self.rng.below(3) as u64).saturating_sub(1);
        let Some(fill) = total.checked_sub(head.len() as u64 + 2) else {
            return self.payload();
        };
        if let Some(at) = self.place(total) {
            self.store(at, head);
            let fill_at = at + head.len() as u64;
            let byte = self.rng.pick(&[b'a', b'a', 0xe9, 0x00]);
            let _ = writeln!(
                self.body,
                "    (memory.fill (i32.const {fill_at}) (i32.const {byte}) (i32.const {fill}))"
            );
            self.store(fill_at + fill, br#""}"#);
            self.write(at, total);
        }
    }

    /// `{"summary":"acc=XXXXXXXX"}`: the folded answers of every import so far, in hex.
    fn report(&mut self) {
        let head = br#"{"summary":"acc="#;
        if let Some(at) = self.place(26) {
            self.store(at, head);
            let _ = writeln!(
                self.body,
                "    (call $hex (i32.const {}) (global.get $acc))",
                at + 16
            );
            self.store(at + 24, br#""}"#);
            self.write(at, 26);
        }
    }

    fn diagnostic(&mut self) {
        if self.rng.chance(50) {
            let text = self.rng.pick(DIAGNOSTICS);
            let cap = self.limits.diagnostic_bytes.unwrap_or(4096);
            // Sometimes a text of exactly the cap, one under or one over.
            let bytes = if self.rng.chance(30) {
                let n = (cap + self.rng.below(3) as u64).saturating_sub(1) as usize;
                text.iter().copied().cycle().take(n).collect::<Vec<u8>>()
            } else {
                text.to_vec()
            };
            if let Some(at) = self.place(bytes.len() as u64) {
                if !bytes.is_empty() {
                    self.store(at, &bytes);
                }
                self.fold(&format!(
                    "(call $diagnostic_write (i32.const {at}) (i32.const {}))",
                    bytes.len()
                ));
                return;
            }
        }
        let len = self.length(16);
        let ptr = self.pointer(len);
        self.fold(&format!(
            "(call $diagnostic_write {ptr} (i32.const {}))",
            len as i32
        ));
    }

    fn module(self) -> AbiModule {
        let mut wat = String::from("(module\n");
        wat.push_str(concat!(
            "  (import \"yoi:tool\" \"tool_name_len\" (func $tool_name_len (result i32)))\n",
            "  (import \"yoi:tool\" \"tool_name_read\" (func $tool_name_read (param i32 i32) (result i32)))\n",
            "  (import \"yoi:tool\" \"input_len\" (func $input_len (result i32)))\n",
            "  (import \"yoi:tool\" \"input_read\" (func $input_read (param i32 i32) (result i32)))\n",
            "  (import \"yoi:tool\" \"output_write\" (func $output_write (param i32 i32) (result i32)))\n",
        ));
        if self.diagnostics {
            wat.push_str("  (import \"yoi:tool\" \"diagnostic_write\" (func $diagnostic_write (param i32 i32) (result i32)))\n");
        }
        let initial = self.initial;
        match self.max_pages {
            Some(max) => {
                let _ = writeln!(wat, "  (memory (export \"memory\") {initial} {max})");
            }
            None => {
                let _ = writeln!(wat, "  (memory (export \"memory\") {initial})");
            }
        }
        wat.push_str("  (global $acc (mut i32) (i32.const 0))\n");
        for (i, bytes) in self.segments.iter().enumerate() {
            let _ = writeln!(wat, "  (data $d{i} \"{}\")", escape(bytes));
        }
        wat.push_str(HEX);
        wat.push_str("  (func (export \"yoi_tool_call\")\n");
        wat.push_str(&self.body);
        wat.push_str("  )\n)\n");
        AbiModule {
            wat,
            tool: self.tool,
            input: self.input,
            limits: self.limits,
            diagnostics: self.diagnostics,
        }
    }
}

/// Lower-case hex of a value into 8 bytes at a pointer: how a reporting guest shows `$acc`.
const HEX: &str = r#"  (func $hex (param $p i32) (param $v i32)
    (local $i i32) (local $d i32)
    (loop $next
      (local.set $d (i32.and (i32.shr_u (local.get $v)
        (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 15)))
      (i32.store8 (i32.add (local.get $p) (local.get $i))
        (i32.add (i32.add (local.get $d) (i32.const 48))
          (i32.mul (i32.gt_u (local.get $d) (i32.const 9)) (i32.const 39))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 8)))))
"#;

/// A WAT string literal holding exactly `bytes`.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\{b:02x}");
        }
    }
    out
}

fn tool_name(rng: &mut SplitMix) -> String {
    let len = match rng.below(4) {
        0 => 1,
        1 => 64,
        _ => 1 + rng.below(64),
    };
    (0..len).map(|_| rng.pick(NAME_CHARS) as char).collect()
}

fn input(rng: &mut SplitMix) -> String {
    let template = rng.pick(INPUTS);
    if !template.contains("{S}") {
        return template.to_string();
    }
    // The filler makes the whole input exactly this long: the cap itself is accepted (IN-01).
    let total = rng.pick(&[DEFAULT_INPUT, DEFAULT_INPUT - 1, 4096, 1000, 100]) as usize;
    let fixed = template.len() - 3;
    let filler = "f".repeat(total.saturating_sub(fixed));
    template.replace("{S}", &filler)
}
