;;! id = "errors.import-name-bidi"
;;! guarantee = "ERR-04"
;;! since = "0.1.0"
;;! summary = "denied imports whose names hold bidirectional overrides, isolates and marks"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::exe.txt", "yoi:tool::input_read_all"] }
;; Shown raw, U+202E (right-to-left override) displays what follows it reversed, so a name can read
;; as something it is not. Messages and detail strings carry no bidirectional formatting character (docs/SPEC.md
;; section 9): the names come back with every one of them removed.
(module
  (import "env" "\u{202e}exe.txt\u{202c}" (func))
  (import "yoi:tool" "\u{2067}input_read\u{2069}\u{200f}_all\u{061c}\u{200e}\u{2028}" (func))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
