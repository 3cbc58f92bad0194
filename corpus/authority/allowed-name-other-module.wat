;;! id = "authority.allowed-name-other-module"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports input_len from env and output_write from wasi_snapshot_preview1, with the ABI's types"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::input_len", "wasi_snapshot_preview1::output_write"] }
;; The names and types are exactly the ABI's; only the module is wrong. A runtime that matches
;; imports by name alone (a map from function name to host function, the module ignored) links them.
;; The allowed import from yoi:tool between them must not be named.
(module
  (import "env" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "tool_name_len" (func $tool_name_len (result i32)))
  (import "wasi_snapshot_preview1" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"linked by name alone\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (drop (call $tool_name_len))
    (drop (call $output_write (i32.const 0) (i32.const 34)))))
