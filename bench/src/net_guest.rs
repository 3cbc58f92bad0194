//! Component guests that make a fixed sequence of network host calls, written as WAT from a
//! list of steps. Copied from the root workspace's `tests/common/net_guest.rs` (this crate is
//! its own workspace and cannot use that test module); trimmed to the steps the network rows
//! make.

/// One host call of the guest, with its arguments fixed at build time.
#[derive(Clone, Debug)]
pub enum Step {
    /// `request.request(json)`.
    Request(String),
    /// `websocket.open(json)`.
    Open(String),
    /// `websocket.recv(handle, timeout-ms)`.
    Recv(u32, u32),
}

impl Step {
    fn import(&self) -> (&'static str, &'static str) {
        match self {
            Step::Request(_) => ("yoi:host/request@1.0.0", "request"),
            Step::Open(_) => ("yoi:host/websocket@1.0.0", "open"),
            Step::Recv(..) => ("yoi:host/websocket@1.0.0", "recv"),
        }
    }
}

struct Func {
    instance: &'static str,
    name: &'static str,
}

impl Func {
    fn wit(&self) -> &'static str {
        match self.name {
            "request" | "open" => "(param \"request-json\" string) (result string)",
            "send-text" => "(param \"handle\" u32) (param \"text\" string) (result string)",
            "recv" => "(param \"handle\" u32) (param \"timeout-ms\" u32) (result string)",
            _ => "(param \"handle\" u32) (result string)",
        }
    }

    fn core_params(&self) -> &'static str {
        match self.name {
            "send-text" => "i32 i32 i32 i32",
            "close" => "i32 i32",
            _ => "i32 i32 i32",
        }
    }
}

fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// A guest that makes `steps` in order and returns the last answer as its `content`:
/// `{"summary":"<steps>","content":"<last answer, \" and \\ escaped>"}`.
pub fn guest(steps: &[Step]) -> String {
    let mut funcs: Vec<Func> = Vec::new();
    for step in steps {
        let (instance, name) = step.import();
        if !funcs
            .iter()
            .any(|f| f.instance == instance && f.name == name)
        {
            funcs.push(Func { instance, name });
        }
    }
    let index = |step: &Step| {
        let (instance, name) = step.import();
        funcs
            .iter()
            .position(|f| f.instance == instance && f.name == name)
            .unwrap()
    };
    let mut instances: Vec<&'static str> = funcs.iter().map(|f| f.instance).collect();
    instances.dedup();
    let n = funcs.len();

    let mut w = String::from("(component\n");
    for (i, instance) in instances.iter().enumerate() {
        w.push_str(&format!("  (import \"{instance}\" (instance $h{i}\n"));
        for f in funcs.iter().filter(|f| f.instance == *instance) {
            w.push_str(&format!("    (export \"{}\" (func {}))\n", f.name, f.wit()));
        }
        w.push_str("  ))\n");
    }
    for (k, f) in funcs.iter().enumerate() {
        let i = instances.iter().position(|x| *x == f.instance).unwrap();
        w.push_str(&format!(
            "  (alias export $h{i} \"{}\" (func $f{k}))\n",
            f.name
        ));
    }
    // The shim: one table slot per function, filled by the fixup once lowered.
    w.push_str("  (core module $shim\n");
    for (k, f) in funcs.iter().enumerate() {
        w.push_str(&format!(
            "    (type $t{k} (func (param {})))\n",
            f.core_params()
        ));
    }
    w.push_str(&format!(
        "    (table (export \"$imports\") {n} {n} funcref)\n"
    ));
    for (k, f) in funcs.iter().enumerate() {
        let args: String = (0..f.core_params().split(' ').count())
            .map(|a| format!("(local.get {a}) "))
            .collect();
        w.push_str(&format!(
            "    (func (export \"{k}\") (type $t{k}) (call_indirect (type $t{k}) {args}(i32.const {k})))\n"
        ));
    }
    w.push_str("  )\n  (core instance $shim-i (instantiate $shim))\n");
    for k in 0..n {
        w.push_str(&format!(
            "  (alias core export $shim-i \"{k}\" (core func $s{k}))\n"
        ));
    }
    w.push_str("  (alias core export $shim-i \"$imports\" (core table $shim-table))\n");
    w.push_str("  (core instance $host-i\n");
    for k in 0..n {
        w.push_str(&format!("    (export \"f{k}\" (func $s{k}))\n"));
    }
    w.push_str("  )\n");

    // The module: data for each step's strings, then the calls in order.
    let mut data = String::new();
    let mut at: u32 = 4096;
    let mut place = |bytes: &[u8], data: &mut String| {
        let p = at;
        data.push_str(&format!(
            "    (data (i32.const {p}) \"{}\")\n",
            escape(bytes)
        ));
        at += bytes.len() as u32 + 8;
        (p, bytes.len() as u32)
    };
    let mut body = String::new();
    for step in steps {
        let k = index(step);
        match step {
            Step::Request(s) | Step::Open(s) => {
                let (p, l) = place(s.as_bytes(), &mut data);
                body.push_str(&format!(
                    "      (call $i{k} (i32.const {p}) (i32.const {l}) (i32.const 8))\n"
                ));
            }
            Step::Recv(h, ms) => body.push_str(&format!(
                "      (call $i{k} (i32.const {h}) (i32.const {ms}) (i32.const 8))\n"
            )),
        }
    }
    let summary = steps.len();
    w.push_str("  (core module $m\n");
    for (k, f) in funcs.iter().enumerate() {
        w.push_str(&format!(
            "    (import \"host\" \"f{k}\" (func $i{k} (param {})))\n",
            f.core_params()
        ));
    }
    w.push_str(&format!(
        r#"    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const {at}))
    (func $alloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32) (local $end i32) (local $have i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (local.set $end (i32.add (local.get $p) (local.get 3)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq (memory.grow (i32.shr_u
                (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                (i32.const 16))) (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $p))
    (func $copy (param $at i32) (param $src i32) (param $n i32) (result i32)
      (memory.copy (local.get $at) (local.get $src) (local.get $n))
      (i32.add (local.get $at) (local.get $n)))
    (func $format (param $rp i32) (param $rl i32) (result i32)
      (local $out i32) (local $at i32) (local $i i32) (local $c i32)
      (local.set $out (call $alloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.shl (local.get $rl) (i32.const 1)) (i32.const 128))))
      (local.set $at (call $copy (local.get $out) (i32.const 16) (i32.const 12)))
      (i32.store8 (local.get $at) (i32.const {digit}))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $at (call $copy (local.get $at) (i32.const 32) (i32.const 13)))
      (block $done
        (loop $byte
          (br_if $done (i32.ge_u (local.get $i) (local.get $rl)))
          (local.set $c (i32.load8_u (i32.add (local.get $rp) (local.get $i))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
            (then
              (i32.store8 (local.get $at) (i32.const 92))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))))
          (i32.store8 (local.get $at) (local.get $c))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $byte)))
      (local.set $at (call $copy (local.get $at) (i32.const 48) (i32.const 2)))
      (i32.store (i32.const 0) (local.get $out))
      (i32.store (i32.const 4) (i32.sub (local.get $at) (local.get $out)))
      (i32.const 0))
    (func (export "call") (param i32 i32 i32 i32) (result i32)
{body}      (call $format (i32.load (i32.const 8)) (i32.load (i32.const 12))))
    (data (i32.const 16) "{{\22summary\22:\22")
    (data (i32.const 32) "\22,\22content\22:\22")
    (data (i32.const 48) "\22}}")
{data}  )
"#,
        digit = 48 + (summary % 10),
    ));
    w.push_str("  (core instance $i (instantiate $m (with \"host\" (instance $host-i))))\n");
    w.push_str("  (alias core export $i \"memory\" (core memory $mem))\n");
    w.push_str("  (alias core export $i \"realloc\" (core func $realloc))\n");
    for k in 0..n {
        w.push_str(&format!(
            "  (core func $l{k} (canon lower (func $f{k}) (memory $mem) (realloc $realloc) string-encoding=utf8))\n"
        ));
    }
    w.push_str("  (core module $fixup\n");
    for (k, f) in funcs.iter().enumerate() {
        w.push_str(&format!(
            "    (import \"\" \"{k}\" (func $g{k} (param {})))\n",
            f.core_params()
        ));
    }
    w.push_str(&format!(
        "    (import \"\" \"$imports\" (table {n} {n} funcref))\n"
    ));
    let all: String = (0..n).map(|k| format!(" $g{k}")).collect();
    w.push_str(&format!("    (elem (i32.const 0) func{all}))\n"));
    w.push_str("  (core instance $fixup-args\n");
    for k in 0..n {
        w.push_str(&format!("    (export \"{k}\" (func $l{k}))\n"));
    }
    w.push_str("    (export \"$imports\" (table $shim-table)))\n");
    w.push_str("  (core instance (instantiate $fixup (with \"\" (instance $fixup-args))))\n");
    w.push_str(
        r#"  (alias core export $i "call" (core func $call))
  (type $call-t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $call-t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
"#,
    );
    w
}
